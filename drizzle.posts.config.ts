import { defineConfig } from 'drizzle-kit'

/** The server app's demo posts: only `bun run start|demo` create this table, never the library. */
export default defineConfig({
	dialect: 'sqlite',
	schema: './src/server/modules/posts/schema/sqlite.ts',
	out: './drizzle/sqlite-posts',
	migrations: { table: '__tessera_posts_migrations' }
})
