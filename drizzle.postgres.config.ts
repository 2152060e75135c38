import { defineConfig } from 'drizzle-kit'

// Generating needs no connection; the server and `bun run cli -- db migrate` apply the folder.
export default defineConfig({
	dialect: 'postgresql',
	schema: ['./src/store/postgres/schema.ts', './src/server/modules/posts/schema/postgres.ts'],
	out: './drizzle/postgres'
})
