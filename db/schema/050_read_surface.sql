-- Indexes for the read surface's keyset pagination (ff_list_flows; ff_list_members uses
-- ff_exec_core_members): each page is one index range scan from the cursor, never a sort of
-- everything after it.
CREATE INDEX ff_flow_core_by_flow_id ON flowfabric.ff_flow_core (flow_id);
CREATE INDEX ff_flow_core_by_namespace ON flowfabric.ff_flow_core ((raw_fields->>'namespace'), flow_id);
