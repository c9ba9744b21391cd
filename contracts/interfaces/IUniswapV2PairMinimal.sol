// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @notice The part of UniswapV2Pair the executor calls.
interface IUniswapV2PairMinimal {
    function getReserves() external view returns (uint112 reserve0, uint112 reserve1, uint32 blockTimestampLast);
    function swap(uint256 amount0Out, uint256 amount1Out, address to, bytes calldata data) external;
}
