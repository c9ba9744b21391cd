-- Live execution rows carried the gas paid converted to the base token in `gas_cost`, which every
-- reader (the desk's executions and P&L, the risk report) takes as wei of the native token, as
-- sim mode's figures are. The writer now copies the wei (src/executor/live/execution-rows.ts);
-- rows written before are set from their intent, which keeps both figures.
update executions e set gas_cost = i.gas_cost_wei
from intents i
where e.intent_id = i.id and i.gas_cost_wei is not null and e.gas_cost is distinct from i.gas_cost_wei;
