// tests/oauth/token-refresh.test.ts on PostgreSQL.
import { runOnPostgres } from '../../helpers/app'

await runOnPostgres(import.meta.path)
