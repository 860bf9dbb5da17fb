-- Everything in schema flowfabric belongs to flowstage_owner, not to the role that installed it:
-- the owner of a table may write it directly and disable its triggers (the mutation log's
-- append-only guard), so no login an application uses may own one. Objects created by this
-- migration (and, on an upgrade, by earlier ones) are handed over here; objects already owned are
-- left alone (ALTER TABLE ... OWNER takes an exclusive lock even when nothing changes).
--
-- Handing an object to a role requires membership in it: a superuser has it, a role with
-- CREATEROLE grants it to itself here (on PostgreSQL 16 and later only for roles it created, on
-- which it holds ADMIN: otherwise a superuser runs GRANT flowstage_owner TO <installer>). Later migrations need it too,
-- to replace the functions flowstage_owner owns. The schema itself stays the installer's;
-- flowstage_owner gets CREATE on it, which PostgreSQL requires of the new owner of an object.
DO $flowstage_owner$
BEGIN
  -- USAGE: the owner's rights (to replace its functions); PostgreSQL 16 and later also ask for SET
  -- to hand it an object, which the ADMIN-only membership a CREATEROLE role gets for a role it
  -- creates does not give.
  IF NOT (pg_has_role(current_user, 'flowstage_owner', 'USAGE')
          AND (current_setting('server_version_num')::int < 160000
               OR pg_has_role(current_user, 'flowstage_owner', 'SET'))) THEN
    BEGIN
      EXECUTE format('GRANT flowstage_owner TO %I', current_user);
    EXCEPTION
      WHEN unique_violation THEN
        NULL;  -- a concurrent install by the same role granted it meanwhile
      WHEN insufficient_privilege OR invalid_grant_operation THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
          MESSAGE = format('flowstage: role %s must be a member of flowstage_owner to hand it flowstage''s tables and functions', current_user),
          DETAIL = SQLERRM,
          HINT = format('As a superuser: GRANT flowstage_owner TO %I;', current_user);
    END;
  END IF;
END
$flowstage_owner$;

GRANT USAGE, CREATE ON SCHEMA flowfabric TO flowstage_owner;
GRANT USAGE ON SCHEMA flowfabric TO flowstage_reader, flowstage_writer, flowstage_signaler;

DO $flowstage_owner$
DECLARE
  v_statement text;
BEGIN
  -- Tables first: a sequence owned by a column (serial, identity) moves with its table.
  FOR v_statement IN
    SELECT format('ALTER %s %s OWNER TO flowstage_owner',
                  CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                                 WHEN 'f' THEN 'FOREIGN TABLE' WHEN 'c' THEN 'TYPE' ELSE 'TABLE' END,
                  c.oid::regclass)
    FROM pg_class c
    WHERE c.relnamespace = 'flowfabric'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'c')
      AND c.relowner <> 'flowstage_owner'::regrole
    ORDER BY c.oid::regclass::text
  LOOP
    EXECUTE v_statement;
  END LOOP;
  FOR v_statement IN
    SELECT format('ALTER SEQUENCE %s OWNER TO flowstage_owner', c.oid::regclass)
    FROM pg_class c
    WHERE c.relnamespace = 'flowfabric'::regnamespace AND c.relkind = 'S'
      AND c.relowner <> 'flowstage_owner'::regrole
    ORDER BY c.oid::regclass::text
  LOOP
    EXECUTE v_statement;
  END LOOP;
  FOR v_statement IN
    SELECT format('ALTER TYPE %s OWNER TO flowstage_owner', t.oid::regtype)
    FROM pg_type t
    WHERE t.typnamespace = 'flowfabric'::regnamespace AND t.typtype IN ('e', 'd', 'r')
      AND t.typowner <> 'flowstage_owner'::regrole
    ORDER BY t.oid::regtype::text
  LOOP
    EXECUTE v_statement;
  END LOOP;
  FOR v_statement IN
    SELECT format('ALTER ROUTINE %s OWNER TO flowstage_owner', p.oid::regprocedure)
    FROM pg_proc p
    WHERE p.pronamespace = 'flowfabric'::regnamespace AND p.proowner <> 'flowstage_owner'::regrole
    ORDER BY p.oid::regprocedure::text
  LOOP
    EXECUTE v_statement;
  END LOOP;
END
$flowstage_owner$;
