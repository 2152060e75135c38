import { defineConfig } from 'drizzle-kit'

/** Tessera's own tables: what every database gets, a host app's included (see src/store/migrations.ts). */
export default defineConfig({
	dialect: 'sqlite',
	schema: './src/store/sqlite/schema.ts',
	out: './drizzle/sqlite',
	migrations: { table: '__tessera_migrations' }
})
