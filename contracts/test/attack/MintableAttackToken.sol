// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title MintableAttackToken
/// @notice Test-only base of the misbehaving tokens: an ERC-20 its deployer mints and configures.
abstract contract MintableAttackToken is ERC20 {
    address internal immutable minter;

    constructor(string memory name_, string memory symbol_) ERC20(name_, symbol_) {
        minter = msg.sender;
    }

    modifier onlyMinter() {
        require(msg.sender == minter, "attack token: not minter");
        _;
    }

    /// @notice Mints to `to`; deployer only.
    function mint(address to, uint256 amount) external onlyMinter {
        _mint(to, amount);
    }
}
