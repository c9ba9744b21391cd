// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {PoolAwareAttackToken} from "./PoolAwareAttackToken.sol";

/// @title SellBlockedToken
/// @notice Test-only honeypot: anyone can buy it from its pool (transfers out of the pool go
/// through), but only the deployer can send it into the pool — every holder's sell reverts.
contract SellBlockedToken is PoolAwareAttackToken {
    constructor() PoolAwareAttackToken("Sell Blocked", "HONEY") {}

    function _update(address from, address to, uint256 value) internal override {
        require(!isSell(from, to), "sell blocked");
        super._update(from, to, value);
    }
}
