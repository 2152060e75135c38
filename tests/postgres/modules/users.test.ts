// tests/modules/users.test.ts on PostgreSQL.
import { runOnPostgres } from '../../helpers/app'

await runOnPostgres(import.meta.path)
