// tests/modules/metrics.test.ts on PostgreSQL.
import { runOnPostgres } from '../../helpers/app'

await runOnPostgres(import.meta.path)
