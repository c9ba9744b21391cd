// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

interface IRogueBorrower {
    function executeOperation(address asset, uint256 amount, uint256 premium, address initiator, bytes calldata params)
        external
        returns (bool);
    function receiveFlashLoan(IERC20[] calldata tokens, uint256[] calldata amounts, uint256[] calldata fees, bytes calldata userData)
        external;
}

/// @title RogueLender
/// @notice Test-only flash lender speaking Aave V3's flashLoanSimple and Balancer V2's flashLoan,
/// lending from its own balance at fee 0, that misbehaves in the one way `mode` chooses — so a
/// test reaches the executor's checks a real lender never trips.
contract RogueLender {
    /// @notice Lends and takes repayment as Aave (pulls the allowance) or Balancer (expects a transfer) does.
    uint8 public constant HONEST = 0;
    /// @notice Hands the callback other bytes than the borrower passed (one byte appended).
    uint8 public constant TAMPER_DATA = 1;
    /// @notice Aave: never pulls the approved repayment, leaving the allowance behind.
    uint8 public constant NO_PULL = 2;
    /// @notice Balancer: calls `reentry` on the borrower while the loan is out, before the callback.
    uint8 public constant REENTER = 3;
    /// @notice Balancer: calls receiveFlashLoan a second time within the same loan.
    uint8 public constant CALLBACK_TWICE = 4;

    uint8 public mode;
    bytes public reentry;

    function setMode(uint8 mode_, bytes calldata reentry_) external {
        mode = mode_;
        reentry = reentry_;
    }

    function flashLoanSimple(address receiver, address asset, uint256 amount, bytes calldata params, uint16) external {
        IERC20(asset).transfer(receiver, amount);
        IRogueBorrower(receiver).executeOperation(asset, amount, 0, msg.sender, _data(params));
        if (mode != NO_PULL) IERC20(asset).transferFrom(receiver, address(this), amount);
    }

    function flashLoan(address recipient, IERC20[] calldata tokens, uint256[] calldata amounts, bytes calldata userData) external {
        uint256 before = tokens[0].balanceOf(address(this));
        tokens[0].transfer(recipient, amounts[0]);
        uint256[] memory fees = new uint256[](1);
        if (mode == REENTER) {
            (bool ok, bytes memory result) = recipient.call(reentry);
            _bubble(ok, result);
        }
        IRogueBorrower(recipient).receiveFlashLoan(tokens, amounts, fees, _data(userData));
        if (mode == CALLBACK_TWICE) IRogueBorrower(recipient).receiveFlashLoan(tokens, amounts, fees, userData);
        require(tokens[0].balanceOf(address(this)) >= before, "RogueLender: not repaid");
    }

    function _data(bytes calldata data) private view returns (bytes memory) {
        return mode == TAMPER_DATA ? abi.encodePacked(data, uint8(1)) : data;
    }

    function _bubble(bool ok, bytes memory result) private pure {
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(result, 32), mload(result))
            }
        }
    }
}
