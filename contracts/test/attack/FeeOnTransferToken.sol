// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {MintableAttackToken} from "./MintableAttackToken.sol";

/// @title FeeOnTransferToken
/// @notice Test-only token that burns 1 % of every transfer (mints are exempt): the recipient gets
/// less than the sender sent, like real fee-on-transfer tokens.
contract FeeOnTransferToken is MintableAttackToken {

    constructor() MintableAttackToken("Fee On Transfer", "FOT") {}

    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0) || to == address(0)) {
            super._update(from, to, value);
            return;
        }
        uint256 fee = value / 100;
        super._update(from, address(0), fee);
        super._update(from, to, value - fee);
    }
}
