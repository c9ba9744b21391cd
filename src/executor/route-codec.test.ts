import fc from 'fast-check';
import { decodeFunctionData, encodeErrorResult, encodeEventTopics, encodeAbiParameters, encodeFunctionData, getAddress, zeroAddress, type Address, type Hex, type Log } from 'viem';
import { describe, expect, it } from 'vitest';
import { flashArbExecutorAbi } from '../contracts/abis/FlashArbExecutor.ts';
import { InputError } from '../errors.ts';
import { executeCalldata } from './execute-calldata.ts';
import { decodeExecutedEvents, decodeExecutorRevert, encodeExecute, validateExecute, type ExecuteParams, type RouteHop } from './route-codec.ts';

const addr = (n: number): Address => getAddress(`0x${n.toString(16).padStart(40, '0')}`);
const [BASE, A, B] = [addr(0xb), addr(0xa1), addr(0xa2)];
const [P1, P2, P3, LENDER, EXECUTOR] = [addr(0x1001), addr(0x1002), addr(0x1003), addr(0x2001), addr(0x3001)];
const hop = (pool: Address, protocol: 'v2' | 'v3', tokenIn: Address, tokenOut: Address, fee = 3000): RouteHop => ({ pool, protocol, tokenIn, tokenOut, fee });
const ROUTE = [hop(P1, 'v2', BASE, A), hop(P2, 'v3', A, B, 500), hop(P3, 'v2', B, BASE, 2500)];
const params = (over: Partial<ExecuteParams> = {}): ExecuteParams => ({
  route: ROUTE, amountIn: 10n ** 18n, minProfit: 5n, deadlineBlock: 100n, flash: { kind: 'balancer', lender: LENDER }, ...over,
});

describe('route codec', () => {
  it('encodes execute calldata the contract ABI decodes back to the same route and source', () => {
    const { functionName, args } = decodeFunctionData({ abi: flashArbExecutorAbi, data: encodeExecute(params()) });
    expect(functionName).toBe('execute');
    expect(args).toEqual([
      [
        { pool: P1, protocol: 0, tokenIn: BASE, tokenOut: A, fee: 3000 },
        { pool: P2, protocol: 1, tokenIn: A, tokenOut: B, fee: 500 },
        { pool: P3, protocol: 0, tokenIn: B, tokenOut: BASE, fee: 2500 },
      ],
      10n ** 18n, 5n, 100n, { kind: 3, lender: LENDER },
    ]);
  });

  it('fixes the lender of the sources that have no choice: none -> zero, V2 flash swap -> the first pair', () => {
    const lenderOf = (p: ExecuteParams) => (decodeFunctionData({ abi: flashArbExecutorAbi, data: encodeExecute(p) }).args as readonly unknown[])[4];
    expect(lenderOf(params({ flash: { kind: 'none', lender: LENDER } }))).toEqual({ kind: 0, lender: zeroAddress });
    expect(lenderOf(params({ flash: { kind: 'v2-flash-swap' } }))).toEqual({ kind: 1, lender: P1 });
    expect(lenderOf(params({ flash: { kind: 'aave', lender: LENDER } }))).toEqual({ kind: 4, lender: LENDER });
  });

  it.each([
    ['a one-hop route', params({ route: [ROUTE[0]!] }), /at least 2 hops/],
    ['a disconnected hop', params({ route: [ROUTE[0]!, hop(P2, 'v3', B, BASE)] }), /hop 1: tokenIn .* is not the previous hop's tokenOut/],
    ['a route not back in its base', params({ route: [ROUTE[0]!, ROUTE[1]!] }), /route ends in .*, not in its base token/],
    ['a lender that is a route pool', params({ flash: { kind: 'v3-flash', lender: P2 } }), /lender .* is also a pool of the route/],
    ['a flash swap on a V3 first hop', params({ route: [hop(P2, 'v3', BASE, A), hop(P1, 'v2', A, BASE)], flash: { kind: 'v2-flash-swap' } }), /needs a V2 first hop/],
    ['a flash-swap pair swapped again', params({ route: [hop(P1, 'v2', BASE, A), hop(P1, 'v2', A, BASE)], flash: { kind: 'v2-flash-swap' } }), /swapped through again/],
    ['a missing lender', params({ flash: { kind: 'aave' } }), /aave needs a lender address/],
    ['a fee of 100 %', params({ route: [hop(P1, 'v2', BASE, A, 1_000_000), ROUTE[1]!, ROUTE[2]!] }), /hop 0: fee must be pips/],
    ['a zero pool', params({ route: [hop(zeroAddress, 'v2', BASE, A), ROUTE[1]!, ROUTE[2]!] }), /hop 0: pool is not a non-zero address/],
    ['a hop into its own token', params({ route: [hop(P1, 'v2', BASE, BASE), hop(P2, 'v2', BASE, BASE)] }), /hop 0: tokenIn and tokenOut are both/],
    ['a zero amount', params({ amountIn: 0n }), /amountIn must be positive/],
  ])('refuses %s with an InputError naming it', (_name, bad, message) => {
    expect(() => validateExecute(bad)).toThrow(InputError);
    expect(() => encodeExecute(bad)).toThrow(message);
  });

  it('round-trips any valid cycle (property)', () => {
    const pool = fc.integer({ min: 0x100, max: 0xffff }).map(addr);
    const cycle = fc.array(fc.tuple(pool, fc.constantFrom<'v2' | 'v3'>('v2', 'v3'), fc.integer({ min: 0, max: 999_999 })), { minLength: 2, maxLength: 4 });
    fc.assert(fc.property(cycle, fc.bigInt({ min: 1n, max: 2n ** 128n }), fc.bigInt({ min: 0n, max: 2n ** 128n }), (hops, amountIn, minProfit) => {
      const tokens = [BASE, ...hops.slice(1).map((_, i) => addr(0x500 + i)), BASE];
      const route = hops.map(([p, protocol, fee], i) => hop(p, protocol, tokens[i]!, tokens[i + 1]!, fee));
      const { args } = decodeFunctionData({ abi: flashArbExecutorAbi, data: encodeExecute(params({ route, amountIn, minProfit, flash: { kind: 'none' } })) });
      expect((args as readonly unknown[]).slice(1, 3)).toEqual([amountIn, minProfit]);
      expect((args[0] as readonly { pool: Address; fee: number }[]).map((h) => [h.pool, h.fee])).toEqual(route.map((h) => [h.pool, h.fee]));
    }));
  });

  it('writes the same bytes as viem\'s ABI encoder for any route, amounts to 2^256 - 1, any source and address case (property)', () => {
    const anyAddress = fc.uint8Array({ minLength: 20, maxLength: 20 }).chain((bytes) => fc.constantFrom(
      `0x${Buffer.from(bytes).toString('hex')}`, `0x${Buffer.from(bytes).toString('hex').toUpperCase()}`) as fc.Arbitrary<Address>);
    const hopArb = fc.record({ pool: anyAddress, protocol: fc.integer({ min: 0, max: 255 }), tokenIn: anyAddress, tokenOut: anyAddress, fee: fc.integer({ min: 0, max: 2 ** 24 - 1 }) });
    const uint = fc.bigInt({ min: 0n, max: 2n ** 256n - 1n });
    fc.assert(fc.property(fc.array(hopArb, { minLength: 0, maxLength: 5 }), uint, uint, uint, fc.integer({ min: 0, max: 255 }), anyAddress, (route, amountIn, minProfit, deadline, kind, lender) => {
      const ours = executeCalldata(route, amountIn, minProfit, deadline, { kind, lender });
      const viems = encodeFunctionData({
        abi: flashArbExecutorAbi, functionName: 'execute',
        args: [route.map((h) => ({ ...h, pool: getAddress(h.pool), tokenIn: getAddress(h.tokenIn), tokenOut: getAddress(h.tokenOut) })), amountIn, minProfit, deadline, { kind, lender: getAddress(lender) }],
      });
      expect(ours).toBe(viems);
    }), { numRuns: 300 });
  });

  it('refuses a value that does not fit its ABI type, naming the field', () => {
    const one = [{ pool: P1, protocol: 0, tokenIn: BASE, tokenOut: A, fee: 3000 }];
    expect(() => executeCalldata(one, 2n ** 256n, 0n, 1n, { kind: 0, lender: zeroAddress })).toThrow(/amountIn does not fit a uint256/);
    expect(() => executeCalldata(one, 1n, -1n, 1n, { kind: 0, lender: zeroAddress })).toThrow(/minProfit does not fit a uint256/);
    expect(() => executeCalldata([{ ...one[0]!, fee: 2 ** 24 }], 1n, 0n, 1n, { kind: 0, lender: zeroAddress })).toThrow(/route hop 0: fee does not fit a uint24/);
    expect(() => executeCalldata([{ ...one[0]!, pool: '0x1234' }], 1n, 0n, 1n, { kind: 0, lender: zeroAddress })).toThrow(/route hop 0: pool is not an address/);
    expect(() => executeCalldata(one, 1n, 0n, 1n, { kind: 256, lender: zeroAddress })).toThrow(/flash kind does not fit a uint8/);
  });

  it('decodes Executed events of the executor and skips other logs', () => {
    const topics = encodeEventTopics({ abi: flashArbExecutorAbi, eventName: 'Executed', args: { caller: A, baseToken: BASE, flashKind: 4 } }) as [Hex, ...Hex[]];
    const data = encodeAbiParameters([{ type: 'address' }, { type: 'uint256' }, { type: 'uint256' }, { type: 'uint256' }], [LENDER, 10n ** 18n, 12345n, 3n]);
    const log = (address: Address, t: [Hex, ...Hex[]] | [], d: Hex) => ({ address, topics: t, data: d, transactionHash: `0x${'ab'.repeat(32)}` }) as unknown as Log;
    const events = decodeExecutedEvents([log(EXECUTOR, topics, data), log(EXECUTOR, [], '0x'), log(P1, topics, data)], EXECUTOR);
    expect(events).toEqual([{
      executor: EXECUTOR, caller: A, baseToken: BASE, flash: 'aave', lender: LENDER, amountIn: 10n ** 18n, profit: 12345n, hopCount: 3, transactionHash: `0x${'ab'.repeat(32)}`,
    }]);
  });

  it('decodes the executor\'s revert reasons and leaves foreign data undecoded', () => {
    const data = encodeErrorResult({ abi: flashArbExecutorAbi, errorName: 'InsufficientProfit', args: [-7n, 100n] });
    expect(decodeExecutorRevert(data)).toEqual({ name: 'InsufficientProfit', args: [-7n, 100n] });
    expect(decodeExecutorRevert('0xdeadbeef')).toBeUndefined();
  });
});
