// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {FlashArbExecutor} from "../../FlashArbExecutor.sol";

/// @title Phisher
/// @notice Test-only phishing contract: the owner is lured into calling it, and it tries to use
/// the owner's authority on the executor (which would work against a tx.origin check).
contract Phisher {
    FlashArbExecutor private immutable executor;
    IERC20 private immutable token;

    constructor(FlashArbExecutor executor_, IERC20 token_) {
        executor = executor_;
        token = token_;
    }

    /// @notice Bait one: relays a withdraw of the executor's whole balance.
    function claimAirdrop() external {
        executor.withdraw(address(token), token.balanceOf(address(executor)));
    }

    /// @notice Bait two: tries to take the executor over (ownership, then an executor key).
    function claimBonus() external {
        executor.transferOwnership(address(this));
        executor.setExecutor(address(this), true);
    }
}
