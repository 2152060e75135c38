/**
 * `bun run build`: the server app as one executable, dist/tessera (src/server/bin.ts), with what
 * it reads at run time embedded: the SQL migrations (drizzle/, under that name) and Swagger UI's
 * files (by their own names), where src/store/migrations.ts and src/server/docs/swagger.ts look
 * for them in a compiled executable.
 */
import { join, resolve } from 'node:path'
import { SWAGGER_ASSETS } from '../src/server/docs/swagger'

const ROOT = join(import.meta.dir, '..')
const outfile = resolve(ROOT, process.argv[2] ?? 'dist/tessera')

const started = performance.now()
const result = await Bun.build({
	entrypoints: [join(ROOT, 'src/server/bin.ts')],
	compile: {
		outfile,
		assets: [join(ROOT, 'drizzle'), ...Object.values(SWAGGER_ASSETS)]
	},
	// Not minified: Elysia reads its handlers' source to learn which parts of the request they use
	// (headers, body, …), and a minified handler hides them (a protected route then fails).
	minify: false
})
if (!result.success) {
	for (const log of result.logs) console.error(log)
	process.exit(1)
}
const bytes = Bun.file(outfile).size
console.log(
	`${outfile}: ${(bytes / 1024 / 1024).toFixed(1)} MiB in ${((performance.now() - started) / 1000).toFixed(1)} s`
)
