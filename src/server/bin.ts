#!/usr/bin/env bun
/**
 * @module server/bin
 * One command for everything the server app does, and the entry of the single executable that
 * `bun run build` makes (dist/tessera):
 *
 *     tessera start                              bun run start
 *     tessera demo                               bun run demo
 *     tessera <group> <command> [arguments]      bun run cli -- …   (tessera users list)
 *
 * Each is loaded only when asked for, so the CLI never builds the server's app, nor the reverse.
 */
const USAGE = `Tessera: an OAuth 2.0 password-grant authorization server

Usage: tessera start | demo | <group> <command> [arguments] [options]

  start                       Run the server: migrates the database, never creates demo data
  demo                        Run the server with demo users, clients and posts (./data/demo.sqlite)
  <group> <command>           The admin CLI, below

Settings come from the environment and a .env file in the working directory (PORT, HOST,
DATABASE_PATH, …: see the README, Settings).
`

const [command, ...rest] = process.argv.slice(2)
switch (command) {
	case 'start':
		await import('./main')
		break
	case 'demo':
		await import('./demo')
		break
	case undefined:
	case '--help':
	case '-h':
	case 'help': {
		console.log(USAGE)
		const { main } = await import('./cli')
		// The CLI's own list of commands; no command at all is a usage error, as the CLI's is.
		await main(['--help'])
		if (command === undefined) process.exit(2)
		break
	}
	default: {
		const { main } = await import('./cli')
		process.exit(await main([command, ...rest]))
	}
}

// A module (for top-level await), though nothing imports it.
export {}
