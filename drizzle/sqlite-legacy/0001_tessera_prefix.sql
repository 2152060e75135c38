ALTER TABLE `audit_events` RENAME TO `tessera_audit_events`;--> statement-breakpoint
ALTER TABLE `clients` RENAME TO `tessera_clients`;--> statement-breakpoint
ALTER TABLE `login_throttle` RENAME TO `tessera_login_throttle`;--> statement-breakpoint
ALTER TABLE `refresh_tokens` RENAME TO `tessera_refresh_tokens`;--> statement-breakpoint
ALTER TABLE `sessions` RENAME TO `tessera_sessions`;--> statement-breakpoint
ALTER TABLE `signing_keys` RENAME TO `tessera_signing_keys`;--> statement-breakpoint
ALTER TABLE `users` RENAME TO `tessera_users`;--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_tessera_refresh_tokens` (
	`token_hash` text PRIMARY KEY NOT NULL,
	`session_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`rotated_at` integer,
	FOREIGN KEY (`session_id`) REFERENCES `tessera_sessions`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `__new_tessera_refresh_tokens`("token_hash", "session_id", "created_at", "expires_at", "rotated_at") SELECT "token_hash", "session_id", "created_at", "expires_at", "rotated_at" FROM `tessera_refresh_tokens`;--> statement-breakpoint
DROP TABLE `tessera_refresh_tokens`;--> statement-breakpoint
ALTER TABLE `__new_tessera_refresh_tokens` RENAME TO `tessera_refresh_tokens`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `refresh_tokens_session_idx` ON `tessera_refresh_tokens` (`session_id`);--> statement-breakpoint
CREATE INDEX `refresh_tokens_expires_idx` ON `tessera_refresh_tokens` (`expires_at`);--> statement-breakpoint
CREATE TABLE `__new_tessera_sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` integer,
	`client_id` text NOT NULL,
	`scope` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch()) NOT NULL,
	`expires_at` integer NOT NULL,
	`ended_at` integer,
	`end_reason` text,
	FOREIGN KEY (`user_id`) REFERENCES `tessera_users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`client_id`) REFERENCES `tessera_clients`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `__new_tessera_sessions`("id", "user_id", "client_id", "scope", "created_at", "expires_at", "ended_at", "end_reason") SELECT "id", "user_id", "client_id", "scope", "created_at", "expires_at", "ended_at", "end_reason" FROM `tessera_sessions`;--> statement-breakpoint
DROP TABLE `tessera_sessions`;--> statement-breakpoint
ALTER TABLE `__new_tessera_sessions` RENAME TO `tessera_sessions`;--> statement-breakpoint
CREATE INDEX `sessions_user_idx` ON `tessera_sessions` (`user_id`);--> statement-breakpoint
CREATE INDEX `sessions_expires_idx` ON `tessera_sessions` (`expires_at`);--> statement-breakpoint
CREATE INDEX `tessera_sessions_client_idx` ON `tessera_sessions` (`client_id`);--> statement-breakpoint
DROP INDEX `users_username_unique`;--> statement-breakpoint
CREATE UNIQUE INDEX `tessera_users_username_unique` ON `tessera_users` (`username`);--> statement-breakpoint
CREATE UNIQUE INDEX `tessera_users_username_lower_idx` ON `tessera_users` (lower("username"));--> statement-breakpoint
CREATE TABLE `__new_posts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`owner_id` integer NOT NULL,
	`title` text NOT NULL,
	`content` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch()) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch()) NOT NULL,
	FOREIGN KEY (`owner_id`) REFERENCES `tessera_users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `__new_posts`("id", "owner_id", "title", "content", "created_at", "updated_at") SELECT "id", "owner_id", "title", "content", "created_at", "updated_at" FROM `posts`;--> statement-breakpoint
DROP TABLE `posts`;--> statement-breakpoint
ALTER TABLE `__new_posts` RENAME TO `posts`;--> statement-breakpoint
CREATE INDEX `posts_owner_idx` ON `posts` (`owner_id`,`id`);