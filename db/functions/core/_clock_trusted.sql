-- _clock_trusted: whether the login that called may pin the clock (p_now_ms): a superuser or a
-- member of flowstage_owner (the installing role), never an ordinary reader or writer login.
CREATE OR REPLACE FUNCTION flowfabric._clock_trusted()
RETURNS boolean
LANGUAGE plpgsql STABLE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
BEGIN
  -- session_user: the login, not the definer the public functions run as.
  RETURN coalesce((SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = session_user), false)
      OR pg_has_role(session_user, 'flowstage_owner', 'MEMBER');
END;
$$;

COMMENT ON FUNCTION flowfabric._clock_trusted() IS
  'Private. True when the session''s login is a superuser or a member of flowstage_owner (the installing role): only such a login may pin the clock with p_now_ms (docs/operations.md#trust-model).';
