-- Every change that can make a session or its account less valid tells every listening instance,
-- inside the changing transaction (delivered on commit, never on rollback), whoever wrote it: a
-- server, the CLI, another machine, or an operator's own SQL. REVOCATION_MODE=cached relies on it.
CREATE OR REPLACE FUNCTION tessera_notify_revocation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('tessera_revocations', TG_TABLE_NAME);
	RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER tessera_sessions_revocation AFTER UPDATE OR DELETE ON tessera_sessions
	FOR EACH STATEMENT EXECUTE FUNCTION tessera_notify_revocation();
--> statement-breakpoint
CREATE TRIGGER tessera_users_revocation AFTER UPDATE OR DELETE ON tessera_users
	FOR EACH STATEMENT EXECUTE FUNCTION tessera_notify_revocation();
--> statement-breakpoint
CREATE TRIGGER tessera_clients_revocation AFTER UPDATE OR DELETE ON tessera_clients
	FOR EACH STATEMENT EXECUTE FUNCTION tessera_notify_revocation();
