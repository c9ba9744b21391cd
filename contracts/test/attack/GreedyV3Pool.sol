// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {FlashArbExecutor} from "../../FlashArbExecutor.sol";

/// @title GreedyV3Pool
/// @notice Test-only malicious pool that made it onto a route: on `swap` it pays nothing and asks
/// the swapper's callback for ten times the input it was offered.
contract GreedyV3Pool {
    /// @notice UniswapV3Pool.swap's signature; the greedy answer instead of a swap.
    function swap(address, bool zeroForOne, int256 amountSpecified, uint160, bytes calldata data) external returns (int256, int256) {
        int256 owed = amountSpecified * 10;
        FlashArbExecutor(msg.sender).uniswapV3SwapCallback(zeroForOne ? owed : int256(0), zeroForOne ? int256(0) : owed, data);
        return (0, 0);
    }
}
