// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {PoolAwareAttackToken} from "./PoolAwareAttackToken.sol";

/// @title SellTaxToken
/// @notice Test-only token taxed only on the way into its pool: buying (out of the pool) and
/// plain transfers are exact, a sell burns 10 % of what is sent, so the pool receives less than
/// the seller sent and less than any AMM quote for the amount sent assumes.
contract SellTaxToken is PoolAwareAttackToken {
    constructor() PoolAwareAttackToken("Sell Tax", "STAX") {}

    function _update(address from, address to, uint256 value) internal override {
        if (!isSell(from, to)) {
            super._update(from, to, value);
            return;
        }
        uint256 tax = value / 10;
        super._update(from, address(0), tax);
        super._update(from, to, value - tax);
    }
}
