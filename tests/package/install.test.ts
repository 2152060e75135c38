/**
 * docs/contract.md "Library": the package installs by name and works with types. This packs the
 * repository as `bun pm pack` does, adds the tarball to a new Bun project, runs the README's
 * library example exactly as printed (its `shop.ts` block), and type-checks it with the project's
 * own tsc, also two broken copies of it that must not compile.
 *
 * No network: the new project gets a lockfile made of this repository's (the same versions, so
 * every package is in Bun's cache once this repository is installed) plus the tarball's entry, and
 * `bun add --offline`. When that cannot work (an emptied cache) it tries the registry, and when
 * that cannot be reached either the tests are skipped with one note, except under CI=true.
 */
import { Database } from 'bun:sqlite'
import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'

// Packing, installing, tsc and a server process: the machine's time, not the code's.
setDefaultTimeout(180_000)

const ROOT = join(import.meta.dir, '../..')
const work = mkdtempSync(join(tmpdir(), 'tessera-package-'))
const host = join(work, 'host')
afterAll(() => rmSync(work, { recursive: true, force: true }))

const repoPackage = await Bun.file(join(ROOT, 'package.json')).json()

function run(command: string[], cwd: string, env: Record<string, string> = {}) {
	const result = Bun.spawnSync(command, {
		cwd,
		env: { ...process.env, ...env },
		stdout: 'pipe',
		stderr: 'pipe'
	})
	return { code: result.exitCode, out: `${result.stdout.toString()}${result.stderr.toString()}` }
}

/** The README's library example: the first ts block of "Use it as a library". */
async function readmeExample(): Promise<string> {
	const readme = await Bun.file(join(ROOT, 'README.md')).text()
	const section = readme.slice(readme.indexOf('\n## Use it as a library\n'))
	const block = /```ts\n([\s\S]*?)\n```/.exec(section)
	if (!block) throw new Error('README: no ts block under "Use it as a library"')
	return `${block[1]}\n`
}

/** What a new project has before it adds Tessera: Elysia, Swagger, TypeScript (as `bun init`). */
async function createHostProject(tarball: string) {
	mkdirSync(host)
	const dependencies = {
		elysia: repoPackage.devDependencies.elysia,
		'@elysiajs/swagger': repoPackage.dependencies['@elysiajs/swagger']
	}
	const devDependencies = {
		'@types/bun': repoPackage.devDependencies['@types/bun'],
		typescript: repoPackage.devDependencies.typescript
	}
	await Bun.write(
		join(host, 'package.json'),
		JSON.stringify(
			{ name: 'host-app', private: true, type: 'module', dependencies, devDependencies },
			null,
			2
		)
	)
	// `bun init`'s tsconfig.json.
	await Bun.write(
		join(host, 'tsconfig.json'),
		JSON.stringify(
			{
				compilerOptions: {
					lib: ['ESNext'],
					target: 'ESNext',
					module: 'Preserve',
					moduleDetection: 'force',
					jsx: 'react-jsx',
					allowJs: true,
					moduleResolution: 'bundler',
					allowImportingTsExtensions: true,
					verbatimModuleSyntax: true,
					noEmit: true,
					strict: true,
					skipLibCheck: true,
					noFallthroughCasesInSwitch: true,
					noUncheckedIndexedAccess: true,
					noImplicitOverride: true
				}
			},
			null,
			2
		)
	)
	const lock = Bun.JSONC.parse(await Bun.file(join(ROOT, 'bun.lock')).text()) as {
		lockfileVersion: number
		configVersion?: number
		packages: Record<string, unknown>
	}
	const bytes = await Bun.file(tarball).arrayBuffer()
	const integrity = `sha512-${new Bun.CryptoHasher('sha512').update(bytes).digest('base64')}`
	await Bun.write(
		join(host, 'bun.lock'),
		JSON.stringify({
			lockfileVersion: lock.lockfileVersion,
			configVersion: lock.configVersion,
			workspaces: { '': { name: 'host-app', dependencies, devDependencies } },
			packages: {
				...lock.packages,
				tessera: [
					`tessera@../${basename(tarball)}`,
					{
						bin: repoPackage.bin,
						dependencies: repoPackage.dependencies,
						peerDependencies: repoPackage.peerDependencies
					},
					integrity
				]
			}
		})
	)
}

async function prepare(): Promise<{ tarball: string; files: string[] } | { skip: string }> {
	const packed = run(['bun', 'pm', 'pack', '--destination', work, '--quiet'], ROOT)
	if (packed.code !== 0) throw new Error(`bun pm pack failed: ${packed.out}`)
	const tarball = packed.out.trim().split('\n').at(-1)!
	const listed = run(['tar', '-tzf', tarball], work)
	const files = listed.out
		.split('\n')
		.filter(Boolean)
		.map((file) => file.replace(/^package\//, ''))
	await createHostProject(tarball)
	const offline = run(['bun', 'add', '--offline', `../${basename(tarball)}`], host)
	if (offline.code === 0) return { tarball, files }
	const online = run(['bun', 'add', `../${basename(tarball)}`], host)
	if (online.code === 0) return { tarball, files }
	const why = `bun add could not install the tarball offline or from the registry: ${online.out.trim().split('\n').at(-1)}`
	if (process.env.CI === 'true') throw new Error(why)
	return { skip: why }
}

const setup = await prepare()
if ('skip' in setup) console.warn(`tests/package/install.test.ts skipped: ${setup.skip}`)
const ready = !('skip' in setup)

describe.skipIf(!ready)('the package', () => {
	test('holds src, the SQL migrations and the README, and nothing from data, tests or bench', () => {
		if ('skip' in setup) return
		const { files } = setup
		expect(files).toContain('package.json')
		expect(files).toContain('README.md')
		expect(files).toContain('src/index.ts')
		expect(files).toContain('drizzle/sqlite/meta/_journal.json')
		expect(files.some((file) => /^drizzle\/sqlite\/0000_\w+\.sql$/.test(file))).toBe(true)
		expect(files.filter((file) => /^(data|tests|bench|node_modules|dist|\.ci)\//.test(file))).toEqual([])
		expect(files.filter((file) => file.endsWith('.sqlite'))).toEqual([])
	})

	test('installs the server app too: node_modules/.bin/tessera', () => {
		const help = run([join(host, 'node_modules/.bin/tessera'), '--help'], host)
		expect(help.code).toBe(0)
		expect(help.out).toContain('Usage: tessera start | demo')
	})

	test("README example, run as printed: login, scopes per route, and the host app's own table untouched", async () => {
		await Bun.write(join(host, 'shop.ts'), await readmeExample())
		// The host app's own users table, made before Tessera ever opened the file.
		const database = join(host, 'shop.sqlite')
		const before = new Database(database, { create: true })
		before.exec(`
			CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);
			INSERT INTO users (email) VALUES ('ann@example.com'), ('bob@example.com');
		`)
		const hostTable = () => ({
			sql: before.query("SELECT sql FROM sqlite_master WHERE name = 'users'").get(),
			rows: before.query('SELECT * FROM users ORDER BY id').all()
		})
		const original = hostTable()
		before.close()

		const shop = Bun.spawn(['bun', 'shop.ts'], {
			cwd: host,
			env: { ...process.env, NODE_ENV: 'production', PORT: '0' },
			stdout: 'pipe',
			stderr: 'pipe'
		})
		try {
			const base = await listeningUrl(shop)
			const login = (scope: string) =>
				fetch(`${base}/oauth/token`, {
					method: 'POST',
					body: new URLSearchParams({
						grant_type: 'password',
						username: 'carol',
						password: 'a long passphrase',
						scope
					})
				})
			const granted = await login('orders:read')
			expect(granted.status).toBe(200)
			const { access_token, scope } = (await granted.json()) as { access_token: string; scope: string }
			expect(scope).toBe('orders:read')
			const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } })

			const orders = await fetch(`${base}/orders`, bearer(access_token))
			expect(orders.status).toBe(200)
			expect(await orders.json()).toEqual({ owner: 'carol', orders: [] })

			const anonymous = await fetch(`${base}/orders`)
			expect(anonymous.status).toBe(401)
			expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="tessera"')

			const writer = (await (await login('orders:write')).json()) as { access_token: string }
			const refused = await fetch(`${base}/orders`, bearer(writer.access_token))
			expect(refused.status).toBe(403)
			expect(await refused.json()).toMatchObject({ error: 'insufficient_scope', scope: 'orders:read' })
			const placed = await fetch(`${base}/orders`, { method: 'POST', ...bearer(writer.access_token) })
			expect(placed.status).toBe(200)
			expect(await placed.json()).toEqual({ placed_for: 'carol' })

			// A scope outside the catalog is refused at the token endpoint too.
			expect((await login('admin')).status).toBe(400)

			// The host's Swagger document carries Tessera's password flow with the catalog.
			const document = (await (await fetch(`${base}/swagger/json`)).json()) as any
			expect(document.components.securitySchemes.oauth2.flows.password.scopes).toEqual({
				'orders:read': 'Read your orders',
				'orders:write': 'Place orders'
			})
			expect(document.paths['/orders'].get.security).toEqual([{ oauth2: ['orders:read'] }])
		} finally {
			shop.kill()
			await shop.exited
		}

		const after = new Database(database)
		expect({
			sql: after.query("SELECT sql FROM sqlite_master WHERE name = 'users'").get(),
			rows: after.query('SELECT * FROM users ORDER BY id').all()
		}).toEqual(original)
		const tables = after
			.query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
			.all()
			.map((row) => row.name)
		// Tessera's own tables beside it, and no demo posts.
		expect(tables.filter((name) => !name.startsWith('tessera_'))).toEqual([
			'__tessera_migrations',
			'sqlite_sequence',
			'users'
		])
		expect(tables).toContain('tessera_users')
		after.close()
	})

	test("the host project's tsc accepts the example, and refuses a scope outside the catalog and user.passwordHash", async () => {
		const example = await readmeExample()
		const wrongScope = example.replace("{ user: ['orders:read'] }", "{ user: ['nope'] }")
		const readsHash = example.replace('owner: user.username', 'owner: user.passwordHash')
		expect(wrongScope).not.toBe(example)
		expect(readsHash).not.toBe(example)
		// One tsc run over the three: errors name their file, and only the broken copies may have any.
		await Bun.write(join(host, 'shop.ts'), example)
		await Bun.write(join(host, 'wrong-scope.ts'), wrongScope)
		await Bun.write(join(host, 'reads-hash.ts'), readsHash)
		const checked = run([join(host, 'node_modules/.bin/tsc'), '--noEmit', '-p', '.'], host)
		expect(checked.code).not.toBe(0)
		const errors = checked.out.split('\n').filter((line) => /error TS\d+/.test(line))
		expect(errors.some((line) => line.startsWith('wrong-scope.ts') && line.includes('"nope"'))).toBe(true)
		expect(
			errors.some((line) => line.startsWith('reads-hash.ts') && line.includes("'passwordHash'"))
		).toBe(true)
		expect(
			errors.filter((line) => !line.startsWith('wrong-scope.ts') && !line.startsWith('reads-hash.ts'))
		).toEqual([])
		expect(checked.out.split('\n').filter((line) => line.includes('shop.ts'))).toEqual([])
	})
})

/** The URL the example prints once it listens (`shop on http://…`); Tessera's JSON log lines pass by. */
async function listeningUrl(
	proc: Bun.Subprocess<'ignore' | 'inherit' | 'pipe', 'pipe', 'pipe'>
): Promise<string> {
	const decoder = new TextDecoder()
	let seen = ''
	const reader = proc.stdout.getReader()
	const deadline = Bun.sleep(30_000).then(() => null)
	for (;;) {
		const chunk = await Promise.race([reader.read(), deadline])
		if (chunk === null || chunk.done) {
			const stderr = await new Response(proc.stderr).text()
			throw new Error(`the example did not start: ${seen}${stderr}`)
		}
		seen += decoder.decode(chunk.value, { stream: true })
		const match = /^shop on (http\S+?)\/?$/m.exec(seen)
		if (match) {
			// Keep reading, so a full pipe never blocks the server.
			void (async () => {
				while (!(await reader.read()).done);
			})().catch(() => {})
			return match[1]!
		}
	}
}
