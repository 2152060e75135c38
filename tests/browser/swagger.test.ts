/**
 * Swagger UI's Authorize flow in a real browser (Debian's Chromium driven by playwright-core),
 * against the real server on a free port, with the network cut off: every request that leaves
 * this machine is blocked and counted, so the page must work offline.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { createApp } from '../../src/server/app'
import { createTestApp } from '../helpers/app'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const IN_CI = Boolean(process.env.CI) && process.env.CI !== 'false'
const HAS_CHROMIUM = existsSync(CHROMIUM)
// Optional: where to save a screenshot of the page after the authorized call, for a human to look at.
const SCREENSHOT = process.env.SWAGGER_SCREENSHOT

if (!HAS_CHROMIUM && !IN_CI)
	console.warn(`skip: Swagger UI browser test needs Chromium at ${CHROMIUM} (apt-get install chromium)`)

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]'])
const isLocal = (url: string) => {
	const { protocol, hostname } = new URL(url)
	return !['http:', 'https:', 'ws:', 'wss:'].includes(protocol) || LOCAL_HOSTS.has(hostname)
}

let server: ReturnType<ReturnType<typeof createApp>['listen']> | undefined
let context: BrowserContext | undefined
let profileDir: string | undefined
/** Requests the page tried to send off this machine (all blocked). */
const offHost: string[] = []
const pageErrors: string[] = []
/** Console errors, CSP violations among them ("Refused to load …", "Applying inline style violates …"). */
const consoleErrors: string[] = []

beforeAll(async () => {
	if (!HAS_CHROMIUM) return
	const { tessera } = await createTestApp()
	server = createApp(tessera, { registration: 'open' }).listen({ port: 0, hostname: '127.0.0.1' })
	profileDir = mkdtempSync(join(tmpdir(), 'tessera-chromium-'))
	context = await chromium.launchPersistentContext(profileDir, {
		executablePath: CHROMIUM,
		headless: true,
		args: [
			'--no-sandbox',
			'--disable-gpu',
			'--disable-quic',
			'--no-first-run',
			'--disable-background-networking',
			'--disable-component-update',
			'--disable-sync'
		]
	})
	context.on('request', (request) => {
		if (!isLocal(request.url())) offHost.push(request.url())
	})
	await context.route(
		(url) => !isLocal(url.href),
		(route) => route.abort('blockedbyclient')
	)
	await context.routeWebSocket(
		(url) => !isLocal(url.href),
		(socket) => {
			offHost.push(socket.url())
			return socket.close()
		}
	)
}, 20_000)

afterAll(async () => {
	await context?.close()
	await server?.stop(true)
	if (profileDir) rmSync(profileDir, { recursive: true, force: true })
})

function watch(page: Page) {
	page.setDefaultTimeout(10_000)
	page.on('pageerror', (error) => pageErrors.push(error.message))
	page.on('console', (message) => {
		if (message.type() === 'error') consoleErrors.push(message.text())
	})
}

test.skipIf(!HAS_CHROMIUM && !IN_CI)(
	'docs/contract.md: /swagger authorizes with the password flow (RFC 6749 §4.3) as johndoe and runs GET /users/me, offline, keeping no password or refresh token in storage (RFC 9700 §4.14)',
	async () => {
		if (!context || !server?.server)
			throw new Error(`CI needs Chromium at ${CHROMIUM}; .ci/run installs it with apt-get`)
		const origin = `http://127.0.0.1:${server.server.port}`
		const page = context.pages()[0] ?? (await context.newPage())
		watch(page)

		// What an earlier version (persistAuthorization) left in this browser goes away.
		await page.goto(`${origin}/health`)
		await page.evaluate(() =>
			localStorage.setItem('authorized', '{"oauth2":{"username":"johndoe","password":"secret"}}')
		)
		await page.goto(`${origin}/swagger`)
		await page.locator('.auth-wrapper button.authorize').click()

		// The modal lists the password flow with every scope of the catalog, beside HTTP Basic client
		// authentication (for /oauth/introspect); the password flow's own box is the one used below.
		const dialog = page.locator('.modal-ux')
		const modal = dialog.locator('.auth-container').filter({ hasText: /\(OAuth2, password\)/ })
		await expect(dialog.locator('.auth-container').count()).resolves.toBe(2)
		await expect(modal.innerText()).resolves.toContain(
			'leave client_id and client_secret empty: the public client default is used'
		)
		await expect(modal.innerText()).resolves.toContain('ticking none means everything you are allowed')
		await expect(modal.locator('.scopes .name').allInnerTexts()).resolves.toEqual([
			'profile',
			'posts:read',
			'posts:write',
			'admin'
		])
		await modal.locator('#oauth_username').fill('johndoe')
		await modal.locator('#oauth_password').fill('secret')
		// The checkboxes are hidden behind their labels.
		await modal.locator('label[for="profile-password-checkbox-oauth2"]').click()
		await modal.locator('label[for="posts:read-password-checkbox-oauth2"]').click()
		const [tokenRequest] = await Promise.all([
			page.waitForRequest((request) => request.url() === `${origin}/oauth/token`),
			modal.locator('.auth-btn-wrapper button.authorize').click()
		])
		// client_id left empty: Swagger UI still sends an empty Basic credential (docs/contract.md: the public client `default`).
		expect(tokenRequest.headers()['authorization']).toBe('Basic Og==')
		expect(Object.fromEntries(new URLSearchParams(tokenRequest.postData() ?? ''))).toEqual({
			grant_type: 'password',
			scope: 'profile posts:read',
			username: 'johndoe',
			password: 'secret'
		})
		const tokenResponse = await tokenRequest.response()
		expect(tokenResponse?.status()).toBe(200)
		const issued = (await tokenResponse?.json()) as { scope: string; refresh_token: string }
		expect(issued.scope).toBe('profile posts:read')
		await modal.locator('.auth-btn-wrapper button', { hasText: 'Logout' }).waitFor()
		await expect(modal.locator('h6', { hasText: 'Authorized' }).count()).resolves.toBe(1)
		await dialog.locator('button.btn-done').first().click()

		const operation = page.locator('#operations-users-getUsersMe')
		await operation.locator('.opblock-summary-control').click()
		await operation.locator('button.try-out__btn').click()
		const [meResponse] = await Promise.all([
			page.waitForResponse((response) => response.url() === `${origin}/users/me`),
			operation.locator('button.execute').click()
		])
		// RFC 6750 §2.1: the token from the modal goes in the Authorization header.
		expect(meResponse.request().headers()['authorization']).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/)
		expect(meResponse.status()).toBe(200)
		expect(await meResponse.json()).toMatchObject({
			id: 1,
			username: 'johndoe',
			email: 'johndoe@example.com',
			full_name: 'John Doe',
			disabled: false
		})
		// What the user sees: the live response, status and body.
		const live = operation.locator('.live-responses-table .response')
		await expect(live.locator('.response-col_status').innerText()).resolves.toMatch(/^200\b/)
		await expect(live.locator('.response-col_description pre').first().innerText()).resolves.toContain(
			'"username": "johndoe"'
		)
		if (SCREENSHOT) await page.screenshot({ path: SCREENSHOT, fullPage: true })

		// RFC 9700 §4.14: a refresh token (and the password that got it) must not outlive the page in
		// storage any script of this origin can read. Nothing of the Authorize state is kept at all.
		const stored = await page.evaluate(() =>
			[localStorage, sessionStorage].flatMap((storage) =>
				Object.keys(storage).map((key) => `${key}=${storage.getItem(key)}`)
			)
		)
		expect(issued.refresh_token.length).toBeGreaterThan(20)
		for (const entry of stored) {
			expect(entry).not.toContain(issued.refresh_token)
			expect(entry).not.toMatch(/"password"\s*:\s*"secret"/)
		}
		expect(stored.filter((entry) => entry.startsWith('authorized='))).toEqual([])

		expect(offHost).toEqual([])
		expect(pageErrors).toEqual([])
		expect(consoleErrors).toEqual([])
	},
	30_000
)
