import { decodeErrorResult, type Hex } from 'viem';
import { flashArbExecutorAbi } from '../contracts/abis/FlashArbExecutor.ts';

/**
 * The reason a call reverted, decoded from its revert data: the executor's custom errors (and
 * OpenZeppelin's it inherits) by name with their arguments, `Error(string)` as pools and routers
 * raise it ('UniswapV2: K', 'SPL', …), `Panic(uint256)`, and the ERC-20 errors of OpenZeppelin
 * tokens (a transfer the executor could not pay). Unknown data keeps its selector as the name.
 */

/** A decoded revert. */
export interface RevertReason {
  /** The error's name: `InsufficientProfit`, `Error`, `Panic`, or `unknown 0x12345678`. */
  name: string;
  /** Its arguments in ABI order (bigints for integers, checksummed addresses). */
  args: readonly unknown[];
  /** The raw revert data. */
  data: Hex;
}

/** OpenZeppelin's IERC20Errors (draft-IERC6093), which standard tokens revert with. */
const ERC20_ERRORS_ABI = [
  { type: 'error', name: 'ERC20InsufficientBalance', inputs: [{ name: 'sender', type: 'address' }, { name: 'balance', type: 'uint256' }, { name: 'needed', type: 'uint256' }] },
  { type: 'error', name: 'ERC20InsufficientAllowance', inputs: [{ name: 'spender', type: 'address' }, { name: 'allowance', type: 'uint256' }, { name: 'needed', type: 'uint256' }] },
  { type: 'error', name: 'ERC20InvalidSender', inputs: [{ name: 'sender', type: 'address' }] },
  { type: 'error', name: 'ERC20InvalidReceiver', inputs: [{ name: 'receiver', type: 'address' }] },
] as const;

const ABIS = [flashArbExecutorAbi, ERC20_ERRORS_ABI] as const;

/** Decodes revert data (`0x` alone: a revert without data, e.g. out of gas or `require(false)`). */
export function decodeRevertReason(data: Hex): RevertReason {
  if (data === '0x' || data.length < 10) return { name: 'revert without data', args: [], data };
  for (const abi of ABIS) {
    try {
      // viem knows Error(string) and Panic(uint256) with any ABI.
      const decoded = decodeErrorResult({ abi, data });
      return { name: decoded.errorName, args: (decoded.args ?? []) as readonly unknown[], data };
    } catch {
      // not an error of this ABI: try the next
    }
  }
  return { name: `unknown ${data.slice(0, 10)}`, args: [], data };
}

/** One line for people and logs: `InsufficientProfit(-12, 1000)`. */
export function describeRevert(reason: RevertReason): string {
  return `${reason.name}(${reason.args.map((arg) => String(arg)).join(', ')})`;
}
