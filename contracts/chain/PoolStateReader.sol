// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IUniswapV2Pair} from "@uniswap/v2-core/contracts/interfaces/IUniswapV2Pair.sol";
import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";

/// @title PoolStateReader
/// @notice Never deployed: its runtime code is placed at a scratch address by an `eth_call` state
/// override, so one call reads the state of many pools on any node that supports overrides
/// (chains without Multicall3 included). Results are one flat uint256 array (signed values in
/// two's complement) that the TypeScript loader walks.
contract PoolStateReader {
    /// @notice [reserve0, reserve1] of each pair, in order.
    function readV2(address[] calldata pairs) external view returns (uint256[] memory out) {
        out = new uint256[](pairs.length * 2);
        for (uint256 i = 0; i < pairs.length; i++) {
            (uint112 r0, uint112 r1,) = IUniswapV2Pair(pairs[i]).getReserves();
            out[2 * i] = r0;
            out[2 * i + 1] = r1;
        }
    }

    /// @notice Per pool: sqrtPriceX96, tick, liquidity, n, then n x (tick, liquidityNet, liquidityGross),
    /// every initialized tick found by scanning the whole bitmap of the pool's spacing.
    function readV3(address[] calldata pools, int24[] calldata spacings) external view returns (uint256[] memory out) {
        uint256[][] memory parts = new uint256[][](pools.length);
        uint256 total = 0;
        for (uint256 i = 0; i < pools.length; i++) {
            parts[i] = readOne(IUniswapV3Pool(pools[i]), spacings[i]);
            total += parts[i].length;
        }
        out = new uint256[](total);
        uint256 k = 0;
        for (uint256 i = 0; i < parts.length; i++) {
            for (uint256 j = 0; j < parts[i].length; j++) out[k++] = parts[i][j];
        }
    }

    function readOne(IUniswapV3Pool pool, int24 spacing) private view returns (uint256[] memory part) {
        (uint160 price, int24 current,,,,,) = pool.slot0();
        int16 lo = int16((int24(-887272) / spacing) >> 8);
        int16 hi = int16((int24(887272) / spacing) >> 8);
        // Bits first (cheap), so the result is allocated once at its exact size.
        uint256 found = 0;
        uint256[] memory bitmaps = new uint256[](uint256(int256(hi) - int256(lo) + 1));
        for (int16 w = lo; w <= hi; w++) {
            uint256 bits = pool.tickBitmap(w);
            bitmaps[uint256(int256(w) - int256(lo))] = bits;
            for (uint256 b = bits; b != 0; b &= b - 1) found++;
        }
        part = new uint256[](4 + 3 * found);
        part[0] = price;
        part[1] = uint256(int256(current));
        part[2] = pool.liquidity();
        part[3] = found;
        uint256 at = 4;
        for (uint256 idx = 0; idx < bitmaps.length; idx++) {
            uint256 bits = bitmaps[idx];
            for (uint256 bit = 0; bits != 0; bit++) {
                if (bits & 1 == 1) {
                    int24 t = (int24(int256(idx) + int256(lo)) * 256 + int24(int256(bit))) * spacing;
                    (uint128 gross, int128 net,,,,,,) = pool.ticks(t);
                    part[at] = uint256(int256(t));
                    part[at + 1] = uint256(int256(net));
                    part[at + 2] = gross;
                    at += 3;
                }
                bits >>= 1;
            }
        }
    }
}
