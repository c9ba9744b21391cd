// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @notice Aave V3 Pool's single-asset flash loan (receiver must implement executeOperation).
interface IAavePoolMinimal {
    function flashLoanSimple(address receiverAddress, address asset, uint256 amount, bytes calldata params, uint16 referralCode)
        external;
}
