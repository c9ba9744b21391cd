import { encodeAbiParameters, encodePacked, getContractAddress, keccak256, type Address } from 'viem';
import { v2PairInitCodeHash, v3PoolInitCodeHash } from './uniswap-artifacts.ts';

/**
 * Pool addresses computed off chain the way the factories derive them (CREATE2 with the init
 * code hash of the pair/pool bytecode shipped in the npm packages), so a pool can be found
 * without asking the chain. Tokens must be sorted (token0 < token1), as the factories sort them.
 */

/** Address of the V2 pair of `token0`/`token1` created by `factory`. */
export function computeV2PairAddress(factory: Address, token0: Address, token1: Address): Address {
  const salt = keccak256(encodePacked(['address', 'address'], [token0, token1]));
  return getContractAddress({ opcode: 'CREATE2', from: factory, salt, bytecodeHash: v2PairInitCodeHash() });
}

/** Address of the V3 pool of `token0`/`token1` at `fee` (pips) created by `factory`. */
export function computeV3PoolAddress(factory: Address, token0: Address, token1: Address, fee: number): Address {
  const salt = keccak256(encodeAbiParameters([{ type: 'address' }, { type: 'address' }, { type: 'uint24' }], [token0, token1, fee]));
  return getContractAddress({ opcode: 'CREATE2', from: factory, salt, bytecodeHash: v3PoolInitCodeHash() });
}
