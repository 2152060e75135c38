import { defineConfig } from 'drizzle-kit'

/**
 * Tessera's own tables on PostgreSQL: what every database gets, a host app's included (see
 * src/store/migrations.ts). Generating needs no connection; the server and `bun run cli -- db
 * migrate` apply the folder (src/store/postgres/migrate.ts).
 */
export default defineConfig({
	dialect: 'postgresql',
	schema: './src/store/postgres/schema.ts',
	out: './drizzle/postgres',
	migrations: { table: '__tessera_migrations', schema: 'drizzle' }
})
