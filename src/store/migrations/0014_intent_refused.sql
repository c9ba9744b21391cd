-- A verdict that outlives a crash (issue 11). The live executor commits an intent ahead of its
-- simulation; when the simulation or the protections' gate refuses it and the withdraw cannot
-- happen, its nonce must go to a cancellation, never to those bytes. Kept only in memory, that
-- verdict was lost with the process, and the start-up re-broadcast the refused bytes. Set once
-- (the first reason stays); the start-up cancels an open intent that has it.
alter table intents add column refused_reason text;
