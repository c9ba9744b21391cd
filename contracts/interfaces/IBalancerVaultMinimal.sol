// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @notice Balancer V2 Vault's flash loan entry (recipient must implement receiveFlashLoan).
interface IBalancerVaultMinimal {
    function flashLoan(address recipient, IERC20[] calldata tokens, uint256[] calldata amounts, bytes calldata userData) external;
}
