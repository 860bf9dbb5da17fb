-- flowstage's four roles (docs/semantics.md §8), created when missing. All NOLOGIN: a DBA grants reader
-- or writer to the logins that use flowstage (docs/operations.md#roles-and-privileges).
--   flowstage_owner   owns every table and function of schema flowfabric; the public ff_ functions
--                     run with its rights (SECURITY DEFINER), so nobody else needs a table privilege.
--   flowstage_reader  may call the read functions and the exports.
--   flowstage_writer  may call those and every mutating function (the worker's included).
--   flowstage_signaler may call ff_deliver_signal only, with the waitpoint's token (docs/semantics.md §10.2).
-- Roles belong to the cluster, not to a database: several databases of one server install
-- flowstage, often at the same time (each holds its own install lock, not the others'). Two
-- installers that both find a role missing both create it; the second waits for the first's
-- commit and fails with duplicate_object or unique_violation, which means the role is there.
-- A role's comment is written only by the installer that created it (two transactions updating
-- one shared catalogue row would fail with "tuple concurrently updated").
-- Creating a role needs CREATEROLE; without it a DBA creates the three roles beforehand.
DO $flowstage_roles$
DECLARE
  v_role record;
BEGIN
  FOR v_role IN
    SELECT * FROM (VALUES
      ('flowstage_owner',
       'flowstage: owns the tables and functions of schema flowfabric in every database where flowstage is installed; the public ff_ functions run with its rights. NOLOGIN: nobody logs in as it. The installing role must be a member.'),
      ('flowstage_reader',
       'flowstage: may call the read functions and exports of schema flowfabric (ff_describe_*, ff_list_*, ff_explain_execution, ff_flow_to_*, ff_flow_partition). Grant it to read-only logins.'),
      ('flowstage_writer',
       'flowstage: may call every function flowstage_reader may, plus every mutating function of schema flowfabric (staging, submit, start, cancel, and the worker''s calls). Grant it to application and worker logins.'),
      ('flowstage_signaler',
       'flowstage: may call ff_deliver_signal only, and must present the waitpoint''s token. Grant it to the logins of systems outside the application that deliver signals (webhooks, approval pages).')
    ) AS r (name, description)
  LOOP
    CONTINUE WHEN to_regrole(v_role.name) IS NOT NULL;
    BEGIN
      EXECUTE format('CREATE ROLE %I NOLOGIN', v_role.name);
      EXECUTE format('COMMENT ON ROLE %I IS %L', v_role.name, v_role.description);
    EXCEPTION
      WHEN duplicate_object OR unique_violation THEN
        NULL;  -- another installer created it meanwhile
      WHEN insufficient_privilege THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
          MESSAGE = format('flowstage: role %s does not exist, and role %s may not create roles', v_role.name, current_user),
          DETAIL = 'flowstage needs four NOLOGIN roles: flowstage_owner, flowstage_reader, flowstage_writer and flowstage_signaler.',
          HINT = format('Run the install as a role with CREATEROLE, or have a superuser run once per server: '
            'CREATE ROLE flowstage_owner NOLOGIN; CREATE ROLE flowstage_reader NOLOGIN; CREATE ROLE flowstage_writer NOLOGIN; '
            'CREATE ROLE flowstage_signaler NOLOGIN; '
            'GRANT flowstage_owner TO %I;', current_user);
    END;
  END LOOP;
END
$flowstage_roles$;
