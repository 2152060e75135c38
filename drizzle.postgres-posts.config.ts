import { defineConfig } from 'drizzle-kit'

/** The server app's demo posts on PostgreSQL: only `bun run start|demo` create this table, never the library. */
export default defineConfig({
	dialect: 'postgresql',
	schema: './src/server/modules/posts/schema/postgres.ts',
	out: './drizzle/postgres-posts',
	migrations: { table: '__tessera_posts_migrations', schema: 'drizzle' }
})
