/**
 * TEST CODE — the transaction list of an `anvil_reorg` whose new branch differs from the old.
 * Empty blocks re-mined in the same wall-clock second get the very hashes of the blocks they
 * replace, which would hide the reorg from a test (a flaky pass/fail); a transfer in the new
 * branch's first block makes every hash of the branch new.
 */
export async function distinctBranch(rpc: (method: string) => Promise<unknown>): Promise<[Record<string, string>, number][]> {
  const [from, to] = (await rpc('eth_accounts')) as string[];
  return [[{ from: from as string, to: to as string, value: '0x1' }, 0]];
}
