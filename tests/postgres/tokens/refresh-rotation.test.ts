// tests/tokens/refresh-rotation.test.ts on PostgreSQL.
import { runOnPostgres } from '../../helpers/app'

await runOnPostgres(import.meta.path)
