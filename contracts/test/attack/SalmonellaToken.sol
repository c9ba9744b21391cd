// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {MintableAttackToken} from "./MintableAttackToken.sol";

/// @title SalmonellaToken
/// @notice Test-only token that lies to one victim: a transfer to `victim` returns true and logs
/// the full amount, but credits only 10 % of it (the rest is burnt). Everyone else sees a normal token.
contract SalmonellaToken is MintableAttackToken {
    address public victim;

    constructor() MintableAttackToken("Salmonella", "SAL") {}

    /// @notice Picks the victim; deployer only.
    function setVictim(address victim_) external onlyMinter {
        victim = victim_;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (to != victim || from == address(0)) {
            super._update(from, to, value);
            return;
        }
        uint256 credited = value / 10;
        super._update(from, address(0), value - credited);
        super._update(from, to, credited);
        // The lie: the log says the whole amount arrived.
        emit Transfer(from, to, value);
    }
}
