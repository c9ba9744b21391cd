// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IUniswapV2Pair} from "@uniswap/v2-core/contracts/interfaces/IUniswapV2Pair.sol";
import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";

/// @title DevnetPoolLens
/// @notice Read-only aggregator for the local chain, which has no Multicall3: the whole state of
/// many pools (V2 reserves; V3 price, liquidity and every initialized tick found by scanning the
/// tick bitmap) in one `eth_call` each.
contract DevnetPoolLens {
    int24 internal constant MIN_TICK = -887272;
    int24 internal constant MAX_TICK = 887272;

    /// @notice Reserves of each V2 pair.
    function v2Reserves(address[] calldata pairs) external view returns (uint112[] memory reserve0, uint112[] memory reserve1) {
        reserve0 = new uint112[](pairs.length);
        reserve1 = new uint112[](pairs.length);
        for (uint256 i = 0; i < pairs.length; i++) {
            (reserve0[i], reserve1[i],) = IUniswapV2Pair(pairs[i]).getReserves();
        }
    }

    /// @notice Price, tick, active liquidity and the full tick map (ticks ascending, with liquidityNet).
    function v3State(address pool)
        external
        view
        returns (uint160 sqrtPriceX96, int24 tick, uint128 liquidity, int24[] memory ticks, int128[] memory liquidityNets)
    {
        IUniswapV3Pool p = IUniswapV3Pool(pool);
        (sqrtPriceX96, tick,,,,,) = p.slot0();
        liquidity = p.liquidity();
        int24 spacing = p.tickSpacing();
        int16 firstWord = int16((MIN_TICK / spacing) >> 8);
        int16 lastWord = int16((MAX_TICK / spacing) >> 8);
        uint256 count = 0;
        for (int16 w = firstWord; w <= lastWord; w++) count += popCount(p.tickBitmap(w));
        ticks = new int24[](count);
        liquidityNets = new int128[](count);
        uint256 n = 0;
        for (int16 w = firstWord; w <= lastWord; w++) {
            uint256 word = p.tickBitmap(w);
            while (word != 0) {
                uint256 bit = lowestBit(word);
                word &= word - 1;
                int24 t = (int24(w) * 256 + int24(uint24(bit))) * spacing;
                (, int128 net,,,,,,) = p.ticks(t);
                ticks[n] = t;
                liquidityNets[n] = net;
                n++;
            }
        }
    }

    function popCount(uint256 x) private pure returns (uint256 c) {
        while (x != 0) {
            x &= x - 1;
            c++;
        }
    }

    /// @dev Index of the lowest set bit of a non-zero word, by halving (as Uniswap's BitMath).
    function lowestBit(uint256 x) private pure returns (uint256 r) {
        r = 255;
        if (x & type(uint128).max > 0) r -= 128;
        else x >>= 128;
        if (x & type(uint64).max > 0) r -= 64;
        else x >>= 64;
        if (x & type(uint32).max > 0) r -= 32;
        else x >>= 32;
        if (x & type(uint16).max > 0) r -= 16;
        else x >>= 16;
        if (x & type(uint8).max > 0) r -= 8;
        else x >>= 8;
        if (x & 0xf > 0) r -= 4;
        else x >>= 4;
        if (x & 0x3 > 0) r -= 2;
        else x >>= 2;
        if (x & 0x1 > 0) r -= 1;
    }
}
