// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IUniswapV2PairMinimal} from "./interfaces/IUniswapV2PairMinimal.sol";
import {IUniswapV3PoolMinimal} from "./interfaces/IUniswapV3PoolMinimal.sol";
import {IBalancerVaultMinimal} from "./interfaces/IBalancerVaultMinimal.sol";
import {IAavePoolMinimal} from "./interfaces/IAavePoolMinimal.sol";

/// @title FlashArbExecutor
/// @notice Runs one atomic arbitrage cycle (Uniswap V2/V3 hops from the base token back to it),
/// with capital from a flash source chosen per call, and reverts unless the base-token balance
/// grew by at least `minProfit` net of the loan and its fee.
/// @dev Security model: only the owner or an allowed executor starts an execution; every callback
/// is accepted exactly once, from the exact address this execution is about to call (a one-shot
/// expectation in transient storage), so nothing outside an execution this contract started can
/// make it pay. Amounts are measured from balances, never taken from a token's or pool's word.
/// The hot path writes no storage: only transient slots.
contract FlashArbExecutor is Pausable, Ownable2Step, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice One swap of a route. `fee` is in pips (3000 = 0.30 %) and prices V2 hops; V3 pools
    /// charge their own fee, so there it is informational.
    struct Hop {
        address pool;
        uint8 protocol;
        address tokenIn;
        address tokenOut;
        uint24 fee;
    }

    /// @notice Where the capital comes from: `kind` is one of the FLASH_* constants; `lender` is the
    /// V3 pool, Balancer Vault or Aave Pool (the route's first pair for FLASH_V2_SWAP, zero for none).
    struct FlashSource {
        uint8 kind;
        address lender;
    }

    uint8 public constant PROTOCOL_V2 = 0;
    uint8 public constant PROTOCOL_V3 = 1;
    uint8 public constant FLASH_NONE = 0;
    uint8 public constant FLASH_V2_SWAP = 1;
    uint8 public constant FLASH_V3 = 2;
    uint8 public constant FLASH_BALANCER = 3;
    uint8 public constant FLASH_AAVE = 4;

    // Callback kinds: an expectation names both the caller and which callback it may enter.
    uint256 private constant CB_V2_CALL = 1;
    uint256 private constant CB_V3_SWAP = 2;
    uint256 private constant CB_V3_FLASH = 3;
    uint256 private constant CB_BALANCER = 4;
    uint256 private constant CB_AAVE = 5;

    // Transient slots (keccak256 of their names), distinct from the reentrancy guard's slot.
    uint256 private constant T_EXPECTED = 0xc3150ca836444c2f16b2e29b189892fb13535497c964a60a04220d827aabb07b;
    uint256 private constant T_DATA_HASH = 0x2e95db4e24ce840c8aadfafb4b6019cc6838fa2673582bc43be4b6ec1d9c7bc5;
    uint256 private constant T_PAY_TOKEN = 0x8e03042afbc8744be33eb620c6fc4a79201ff4f5bde64da62ff27f9ea71846e3;
    uint256 private constant T_PAY_MAX = 0x381e430ba672a66d45eebba6cbf09c6d2c8dc9044e550e282440e8b2376c18fb;

    uint160 private constant MIN_SQRT_RATIO_PLUS_ONE = 4295128740;
    uint160 private constant MAX_SQRT_RATIO_MINUS_ONE = 1461446703485210103287273052203988822378723970341;
    uint256 private constant PIPS = 1_000_000;

    /// @notice The only address `withdraw` ever pays; fixed at deployment.
    address public immutable coldWallet;

    /// @notice Addresses besides the owner allowed to call `execute` (hot keys of the bot).
    mapping(address account => bool allowed) public isExecutor;

    /// @notice How many addresses are allowed executors now. Ownership cannot change hands while it
    /// is not zero: the hot keys one owner trusted are not the next owner's to inherit.
    uint256 public executorCount;

    /// @notice One per successful execution: `profit` is the base-token balance growth, net of loan and fee.
    event Executed(
        address indexed caller,
        address indexed baseToken,
        uint8 indexed flashKind,
        address lender,
        uint256 amountIn,
        uint256 profit,
        uint256 hopCount
    );
    /// @notice An executor address was allowed or disallowed.
    event ExecutorSet(address indexed account, bool allowed);
    /// @notice Tokens paid out to the cold wallet.
    event Withdrawn(address indexed token, address indexed to, uint256 amount);

    /// @notice `caller` is neither the owner nor an allowed executor.
    error NotExecutor(address caller);
    /// @notice The transaction was mined after `deadlineBlock`.
    error DeadlineExpired(uint256 deadlineBlock, uint256 currentBlock);
    /// @notice The base balance grew by `actual` (negative: shrank), less than `minimum`.
    error InsufficientProfit(int256 actual, uint256 minimum);
    /// @notice Hop `hopIndex` breaks the cycle (zero pool, bad protocol or fee, token mismatch) or the route is too short.
    error InvalidRoute(uint256 hopIndex);
    /// @notice The flash source cannot serve this route (unknown kind, missing lender, lender on the route).
    error InvalidFlashSource(uint8 kind, address lender);
    /// @notice A callback from `caller` that no execution of this contract is waiting for.
    error UnexpectedCallback(address caller);
    /// @notice A lender passed back other data than this execution sent.
    error CallbackDataMismatch();
    /// @notice An Aave flash loan to this contract that someone else (`initiator`) started.
    error ForeignInitiator(address initiator);
    /// @notice A V3 pool asked for more than the hop's input.
    error ExcessivePayment(uint256 requested, uint256 maximum);
    /// @notice `execute` with amountIn = 0.
    error ZeroAmount();
    /// @notice A zero address where an account is needed.
    error ZeroAddress();
    /// @notice Ownership cannot change hands while `count` executors are still allowed: revoke them first.
    error ExecutorsStillAllowed(uint256 count);
    /// @notice renounceOwnership is disabled.
    error RenounceDisabled();

    constructor(address owner_, address coldWallet_) Ownable(owner_) {
        if (coldWallet_ == address(0)) revert ZeroAddress();
        coldWallet = coldWallet_;
    }

    // ------------------------------------------------------------------ entry

    /// @notice Runs `route` with `amountIn` of its base token from `flash`; reverts with
    /// InsufficientProfit unless the base balance grows by `minProfit`, DeadlineExpired after `deadlineBlock`.
    function execute(
        Hop[] calldata route,
        uint256 amountIn,
        uint256 minProfit,
        uint256 deadlineBlock,
        FlashSource calldata flash
    ) external nonReentrant whenNotPaused returns (uint256 profit) {
        if (msg.sender != owner() && !isExecutor[msg.sender]) revert NotExecutor(msg.sender);
        if (block.number > deadlineBlock) revert DeadlineExpired(deadlineBlock, block.number);
        if (amountIn == 0) revert ZeroAmount();
        address base = _validate(route, flash);
        uint256 before = IERC20(base).balanceOf(address(this));

        if (flash.kind == FLASH_NONE) {
            _runHops(route, 0, amountIn);
        } else {
            _borrowAndRun(route, amountIn, minProfit, before, flash);
        }

        profit = _profit(base, before, minProfit);
        emit Executed(msg.sender, base, flash.kind, flash.lender, amountIn, profit, route.length);
    }

    // ------------------------------------------------------------------ callbacks

    /// @notice Uniswap V2 flash swap callback: only from the pair this execution flash-swaps on.
    function uniswapV2Call(address, uint256, uint256, bytes calldata data) external {
        _consume(CB_V2_CALL);
        _onLoan(data, 0);
    }

    /// @notice Uniswap V3 swap callback: pays the hop's input, only to the pool being swapped, at most what it was given.
    function uniswapV3SwapCallback(int256 amount0Delta, int256 amount1Delta, bytes calldata) external {
        _consume(CB_V3_SWAP);
        // Exactly one delta is positive (what the pool is owed); a negative cast is huge and rejected.
        uint256 owed = uint256(amount0Delta > 0 ? amount0Delta : amount1Delta);
        uint256 maximum = _tload(T_PAY_MAX);
        if (owed > maximum) revert ExcessivePayment(owed, maximum);
        IERC20(address(uint160(_tload(T_PAY_TOKEN)))).safeTransfer(msg.sender, owed);
    }

    /// @notice Uniswap V3 flash callback: only from the lender pool of this execution.
    function uniswapV3FlashCallback(uint256 fee0, uint256 fee1, bytes calldata data) external {
        _consume(CB_V3_FLASH);
        _onLoan(data, fee0 + fee1);
    }

    /// @notice Balancer V2 Vault flash loan callback: only from the vault of this execution.
    function receiveFlashLoan(IERC20[] calldata, uint256[] calldata, uint256[] calldata feeAmounts, bytes calldata userData)
        external
    {
        _consume(CB_BALANCER);
        _onLoan(userData, feeAmounts[0]);
    }

    /// @notice Aave V3 flashLoanSimple callback: only from the pool of this execution, and only for a
    /// loan this contract initiated.
    function executeOperation(address, uint256, uint256 premium, address initiator, bytes calldata params)
        external
        returns (bool)
    {
        _consume(CB_AAVE);
        if (initiator != address(this)) revert ForeignInitiator(initiator);
        _onLoan(params, premium);
        return true;
    }

    // ------------------------------------------------------------------ admin

    /// @notice Allows or disallows `account` to call `execute`.
    function setExecutor(address account, bool allowed) external onlyOwner {
        if (account == address(0)) revert ZeroAddress();
        if (isExecutor[account] != allowed) {
            isExecutor[account] = allowed;
            if (allowed) ++executorCount;
            else --executorCount;
        }
        emit ExecutorSet(account, allowed);
    }

    /// @notice Stops `execute` (withdraw keeps working, so funds can always reach the cold wallet).
    function pause() external onlyOwner {
        _pause();
    }

    /// @notice Resumes `execute`.
    function unpause() external onlyOwner {
        _unpause();
    }

    /// @notice Pays `amount` of `token` to the cold wallet fixed at deployment; there is no other recipient.
    function withdraw(address token, uint256 amount) external onlyOwner nonReentrant {
        if (token == address(0)) revert ZeroAddress();
        IERC20(token).safeTransfer(coldWallet, amount);
        emit Withdrawn(token, coldWallet, amount);
    }

    /// @notice Starts a two-step transfer to `newOwner` (zero cancels a pending one); refused while
    /// executors are allowed, so no hot key outlives the owner that allowed it.
    function transferOwnership(address newOwner) public override onlyOwner {
        if (newOwner != address(0) && executorCount != 0) revert ExecutorsStillAllowed(executorCount);
        super.transferOwnership(newOwner);
    }

    /// @dev Every change of owner (acceptOwnership) checks again: executors allowed after the
    /// transfer started must not pass to the new owner either.
    function _transferOwnership(address newOwner) internal override {
        if (executorCount != 0) revert ExecutorsStillAllowed(executorCount);
        super._transferOwnership(newOwner);
    }

    /// @notice Disabled: an ownerless executor could never pause or withdraw again.
    function renounceOwnership() public pure override {
        revert RenounceDisabled();
    }

    // ------------------------------------------------------------------ internals

    /// @dev Checks the route is a connected cycle from the base token and the flash source is usable
    /// (never a pool the route swaps through: its lock would revert, or worse, its price would move).
    function _validate(Hop[] calldata route, FlashSource calldata flash) private pure returns (address base) {
        uint256 n = route.length;
        if (n < 2) revert InvalidRoute(n);
        base = route[0].tokenIn;
        address previous = base;
        for (uint256 i = 0; i < n; ++i) {
            Hop calldata hop = route[i];
            if (
                hop.pool == address(0) || hop.protocol > PROTOCOL_V3 || hop.tokenIn != previous || hop.tokenOut == hop.tokenIn
                    || hop.fee >= PIPS
            ) revert InvalidRoute(i);
            previous = hop.tokenOut;
            if (flash.kind == FLASH_V2_SWAP ? (i > 0 && hop.pool == route[0].pool) : hop.pool == flash.lender) {
                revert InvalidFlashSource(flash.kind, flash.lender);
            }
        }
        if (previous != base) revert InvalidRoute(n - 1);
        if (flash.kind == FLASH_NONE) {
            if (flash.lender != address(0)) revert InvalidFlashSource(flash.kind, flash.lender);
        } else if (flash.kind == FLASH_V2_SWAP) {
            if (flash.lender != route[0].pool || route[0].protocol != PROTOCOL_V2) revert InvalidFlashSource(flash.kind, flash.lender);
        } else if (flash.kind > FLASH_AAVE || flash.lender == address(0)) {
            revert InvalidFlashSource(flash.kind, flash.lender);
        }
    }

    /// @dev Base-balance growth since `before`; reverts InsufficientProfit below `minProfit`.
    function _profit(address base, uint256 before, uint256 minProfit) private view returns (uint256) {
        uint256 afterBalance = IERC20(base).balanceOf(address(this));
        if (afterBalance < before + minProfit) {
            revert InsufficientProfit(int256(afterBalance) - int256(before), minProfit);
        }
        return afterBalance - before;
    }

    /// @dev Starts the loan; the route runs inside the lender's callback (`_onLoan`).
    function _borrowAndRun(Hop[] calldata route, uint256 amountIn, uint256 minProfit, uint256 before, FlashSource calldata flash)
        private
    {
        uint8 kind = flash.kind;
        address base = route[0].tokenIn;
        uint256 aux;
        uint256 out0;
        bool zeroForOne;
        if (kind == FLASH_V2_SWAP) {
            // Borrow the first hop's output now, repay its input (amountIn of base) in the callback.
            Hop calldata first = route[0];
            zeroForOne = first.tokenIn < first.tokenOut;
            out0 = _v2AmountOut(first.pool, zeroForOne, amountIn, first.fee);
            aux = IERC20(first.tokenOut).balanceOf(address(this));
        }
        bytes memory data = abi.encode(route, amountIn, minProfit, before, aux, kind);
        _tstore(T_DATA_HASH, uint256(keccak256(data)));
        _expect(flash.lender, kind == FLASH_V2_SWAP ? CB_V2_CALL : kind == FLASH_V3 ? CB_V3_FLASH : kind == FLASH_BALANCER ? CB_BALANCER : CB_AAVE);

        if (kind == FLASH_V2_SWAP) {
            IUniswapV2PairMinimal(flash.lender).swap(zeroForOne ? 0 : out0, zeroForOne ? out0 : 0, address(this), data);
        } else if (kind == FLASH_V3) {
            bool baseIsToken0 = IUniswapV3PoolMinimal(flash.lender).token0() == base;
            IUniswapV3PoolMinimal(flash.lender).flash(address(this), baseIsToken0 ? amountIn : 0, baseIsToken0 ? 0 : amountIn, data);
        } else if (kind == FLASH_BALANCER) {
            IERC20[] memory tokens = new IERC20[](1);
            tokens[0] = IERC20(base);
            uint256[] memory amounts = new uint256[](1);
            amounts[0] = amountIn;
            IBalancerVaultMinimal(flash.lender).flashLoan(address(this), tokens, amounts, data);
        } else {
            IAavePoolMinimal(flash.lender).flashLoanSimple(address(this), base, amountIn, data, 0);
            // Aave pulls exactly the approved amount; should a lender not, the allowance is still cleared.
            if (IERC20(base).allowance(address(this), flash.lender) != 0) IERC20(base).forceApprove(flash.lender, 0);
        }
        _tstore(T_EXPECTED, 0);
        _tstore(T_DATA_HASH, 0);
    }

    /// @dev Inside a lender's callback: run the route with what was actually received, check the
    /// profit net of `fee`, then repay the caller (already proven to be this execution's lender).
    function _onLoan(bytes calldata data, uint256 fee) private {
        if (uint256(keccak256(data)) != _tload(T_DATA_HASH)) revert CallbackDataMismatch();
        (Hop[] memory route, uint256 amountIn, uint256 minProfit, uint256 before, uint256 aux, uint8 kind) =
            abi.decode(data, (Hop[], uint256, uint256, uint256, uint256, uint8));
        IERC20 base = IERC20(route[0].tokenIn);
        if (kind == FLASH_V2_SWAP) {
            _runHops(route, 1, IERC20(route[0].tokenOut).balanceOf(address(this)) - aux);
        } else {
            _runHops(route, 0, base.balanceOf(address(this)) - before);
        }
        uint256 repay = amountIn + fee;
        uint256 balance = base.balanceOf(address(this));
        if (balance < before + repay + minProfit) {
            revert InsufficientProfit(int256(balance) - int256(before) - int256(repay), minProfit);
        }
        if (kind == FLASH_AAVE) base.forceApprove(msg.sender, repay);
        else base.safeTransfer(msg.sender, repay);
    }

    /// @dev Swaps hop `start` onwards. `held` is what this contract holds of the hop's input, measured
    /// as a balance difference; a V2 pair's input is measured at the pair (balance minus reserve).
    function _runHops(Hop[] memory route, uint256 start, uint256 held) private {
        uint256 n = route.length;
        bool inputHere = true;
        for (uint256 i = start; i < n; ++i) {
            Hop memory hop = route[i];
            bool last = i + 1 == n;
            // A V2 pair takes its input by transfer, so the output goes straight there (one transfer saved).
            address recipient = (!last && route[i + 1].protocol == PROTOCOL_V2) ? route[i + 1].pool : address(this);
            bool measure = !last && recipient == address(this);
            uint256 outBefore = measure ? IERC20(hop.tokenOut).balanceOf(address(this)) : 0;
            bool zeroForOne = hop.tokenIn < hop.tokenOut;
            if (hop.protocol == PROTOCOL_V2) {
                if (inputHere) IERC20(hop.tokenIn).safeTransfer(hop.pool, held);
                (uint256 reserve0, uint256 reserve1,) = IUniswapV2PairMinimal(hop.pool).getReserves();
                (uint256 reserveIn, uint256 reserveOut) = zeroForOne ? (reserve0, reserve1) : (reserve1, reserve0);
                // What actually arrived, as the pair itself will count it.
                uint256 amountIn = IERC20(hop.tokenIn).balanceOf(hop.pool) - reserveIn;
                uint256 out = _getAmountOut(amountIn, reserveIn, reserveOut, hop.fee);
                IUniswapV2PairMinimal(hop.pool).swap(zeroForOne ? 0 : out, zeroForOne ? out : 0, recipient, "");
            } else {
                if (held > uint256(type(int256).max)) revert InvalidRoute(i);
                _expect(hop.pool, CB_V3_SWAP);
                _tstore(T_PAY_TOKEN, uint160(hop.tokenIn));
                _tstore(T_PAY_MAX, held);
                IUniswapV3PoolMinimal(hop.pool).swap(
                    recipient, zeroForOne, int256(held), zeroForOne ? MIN_SQRT_RATIO_PLUS_ONE : MAX_SQRT_RATIO_MINUS_ONE, ""
                );
                _tstore(T_EXPECTED, 0);
            }
            if (measure) held = IERC20(hop.tokenOut).balanceOf(address(this)) - outBefore;
            inputHere = recipient == address(this);
        }
    }

    /// @dev Output of `amountIn` on a V2 pair from its current reserves (used for the flash-swap borrow).
    function _v2AmountOut(address pair, bool zeroForOne, uint256 amountIn, uint24 fee) private view returns (uint256) {
        (uint256 reserve0, uint256 reserve1,) = IUniswapV2PairMinimal(pair).getReserves();
        return zeroForOne ? _getAmountOut(amountIn, reserve0, reserve1, fee) : _getAmountOut(amountIn, reserve1, reserve0, fee);
    }

    /// @dev UniswapV2Library.getAmountOut with the fee in pips (3000 gives exactly 997/1000).
    function _getAmountOut(uint256 amountIn, uint256 reserveIn, uint256 reserveOut, uint24 fee) private pure returns (uint256) {
        uint256 amountInWithFee = amountIn * (PIPS - fee);
        return (amountInWithFee * reserveOut) / (reserveIn * PIPS + amountInWithFee);
    }

    /// @dev Arms a one-shot expectation: only `caller` may enter callback `kind`, once.
    function _expect(address caller, uint256 kind) private {
        _tstore(T_EXPECTED, (kind << 160) | uint160(caller));
    }

    /// @dev Accepts the current callback only if it is the armed expectation, and disarms it.
    function _consume(uint256 kind) private {
        uint256 expected = _tload(T_EXPECTED);
        if (expected == 0 || expected != ((kind << 160) | uint160(msg.sender))) revert UnexpectedCallback(msg.sender);
        _tstore(T_EXPECTED, 0);
    }

    function _tstore(uint256 slot, uint256 value) private {
        assembly ("memory-safe") {
            tstore(slot, value)
        }
    }

    function _tload(uint256 slot) private view returns (uint256 value) {
        assembly ("memory-safe") {
            value := tload(slot)
        }
    }
}
