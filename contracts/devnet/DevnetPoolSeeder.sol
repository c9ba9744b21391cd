// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IUniswapV2Factory} from "@uniswap/v2-core/contracts/interfaces/IUniswapV2Factory.sol";
import {IUniswapV2Pair} from "@uniswap/v2-core/contracts/interfaces/IUniswapV2Pair.sol";
import {IUniswapV3Factory} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Factory.sol";
import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";

/// @title DevnetPoolSeeder
/// @notice Local-chain helper that recreates real pools from a snapshot in a few transactions:
/// V2 pairs funded to exact reserves, V3 pools initialized at a price and given thousands of
/// positions per transaction (one `mint` per tick range; this contract pays in the callback from
/// the token balance its owner minted to it). Never deployed outside the devnet.
contract DevnetPoolSeeder {
    using SafeERC20 for IERC20;

    address public immutable owner;
    /// @dev The pool whose mint is in progress: the only caller the mint callback pays.
    address private transient activePool;

    error NotOwner();
    error UnexpectedCallback(address caller);
    error TickMismatch(address pool, int24 tick, int24 expectedTick);

    constructor() {
        owner = msg.sender;
    }

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner();
        _;
    }

    /// @notice One V2 pair to seed: tokens sorted, reserves exact.
    struct V2Seed {
        address token0;
        address token1;
        uint256 reserve0;
        uint256 reserve1;
    }

    /// @notice Creates each pair (if needed) and brings its reserves to exactly the given amounts:
    /// `mint` (LP tokens to `lpRecipient`) when the product allows the first mint, else `sync`.
    function seedV2(address factory, V2Seed[] calldata seeds, address lpRecipient) external onlyOwner returns (address[] memory pairs) {
        pairs = new address[](seeds.length);
        for (uint256 i = 0; i < seeds.length; i++) {
            V2Seed calldata s = seeds[i];
            address pair = IUniswapV2Factory(factory).getPair(s.token0, s.token1);
            if (pair == address(0)) pair = IUniswapV2Factory(factory).createPair(s.token0, s.token1);
            IERC20(s.token0).safeTransfer(pair, s.reserve0);
            IERC20(s.token1).safeTransfer(pair, s.reserve1);
            // The first mint needs sqrt(r0 * r1) > 1000 (MINIMUM_LIQUIDITY); sync takes any balances.
            if (IERC20(pair).totalSupply() == 0 && s.reserve0 * s.reserve1 >= 1001 * 1001) {
                IUniswapV2Pair(pair).mint(lpRecipient);
            } else {
                IUniswapV2Pair(pair).sync();
            }
            pairs[i] = pair;
        }
    }

    /// @notice Creates (if needed) and initializes a V3 pool at `sqrtPriceX96`.
    function createV3(address factory, address token0, address token1, uint24 fee, uint160 sqrtPriceX96)
        external
        onlyOwner
        returns (address pool)
    {
        pool = IUniswapV3Factory(factory).getPool(token0, token1, fee);
        if (pool == address(0)) pool = IUniswapV3Factory(factory).createPool(token0, token1, fee);
        IUniswapV3Pool(pool).initialize(sqrtPriceX96);
    }

    /// @notice Mints one position per (lower, upper, liquidity) triple, owned by this contract.
    function mintV3(address pool, int24[] calldata lowers, int24[] calldata uppers, uint128[] calldata liquidities)
        external
        onlyOwner
    {
        activePool = pool;
        for (uint256 i = 0; i < lowers.length; i++) {
            IUniswapV3Pool(pool).mint(address(this), lowers[i], uppers[i], liquidities[i], "");
        }
        activePool = address(0);
    }

    /// @notice Brings a seeded pool's tick to `expectedTick`. `initialize` sets the tick from the
    /// price; a real pool whose price sits exactly on a tick boundary reached from above has
    /// `tick = boundary - 1` instead. That state is reproduced the way it arose: nudge the price
    /// up one unit, then swap back down onto the boundary, crossing it.
    function settleV3(address pool, int24 expectedTick) external onlyOwner {
        (uint160 sqrtPriceX96, int24 tick,,,,,) = IUniswapV3Pool(pool).slot0();
        if (tick == expectedTick) return;
        if (tick != expectedTick + 1) revert TickMismatch(pool, tick, expectedTick);
        activePool = pool;
        IUniswapV3Pool(pool).swap(address(this), false, type(int256).max, sqrtPriceX96 + 1, "");
        IUniswapV3Pool(pool).swap(address(this), true, type(int256).max, sqrtPriceX96, "");
        activePool = address(0);
        (, tick,,,,,) = IUniswapV3Pool(pool).slot0();
        if (tick != expectedTick) revert TickMismatch(pool, tick, expectedTick);
    }

    /// @notice Pays the pool being minted what it asks for.
    function uniswapV3MintCallback(uint256 amount0Owed, uint256 amount1Owed, bytes calldata) external {
        pay(amount0Owed, amount1Owed);
    }

    /// @notice Pays the pool being swapped what it is owed (positive deltas).
    function uniswapV3SwapCallback(int256 amount0Delta, int256 amount1Delta, bytes calldata) external {
        pay(amount0Delta > 0 ? uint256(amount0Delta) : 0, amount1Delta > 0 ? uint256(amount1Delta) : 0);
    }

    function pay(uint256 amount0, uint256 amount1) private {
        if (msg.sender != activePool || activePool == address(0)) revert UnexpectedCallback(msg.sender);
        if (amount0 > 0) IERC20(IUniswapV3Pool(msg.sender).token0()).safeTransfer(msg.sender, amount0);
        if (amount1 > 0) IERC20(IUniswapV3Pool(msg.sender).token1()).safeTransfer(msg.sender, amount1);
    }
}
