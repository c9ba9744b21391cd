// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {MintableAttackToken} from "./MintableAttackToken.sol";

/// @title PoolAwareAttackToken
/// @notice Test-only base of the tokens that treat a sell (a transfer into their pool by anyone
/// but the deployer) differently from a buy or a plain transfer.
abstract contract PoolAwareAttackToken is MintableAttackToken {
    address public pool;

    constructor(string memory name_, string memory symbol_) MintableAttackToken(name_, symbol_) {}

    /// @notice Names the pool sells go to; deployer only.
    function setPool(address pool_) external onlyMinter {
        pool = pool_;
    }

    /// @notice True when `from` sending to `to` is a holder's sell into the pool (the deployer seeds it freely, mints are not sells).
    function isSell(address from, address to) internal view returns (bool) {
        return to == pool && from != minter && from != address(0);
    }
}
