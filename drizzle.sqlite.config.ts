import { defineConfig } from 'drizzle-kit'

export default defineConfig({
	dialect: 'sqlite',
	schema: ['./src/store/sqlite/schema.ts', './src/server/modules/posts/schema/sqlite.ts'],
	out: './drizzle/sqlite'
})
