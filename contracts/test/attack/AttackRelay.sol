// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title AttackRelay
/// @notice Test-only attacker: forwards arbitrary calldata from its own address (a fake pair, fake
/// pool, fake lender, or a third party poking a real pair) and bubbles any revert up unchanged, so a
/// test sees exactly which check of the target refused it.
contract AttackRelay {
    /// @notice Calls `target` with `data` from this contract; reverts with the target's revert data.
    function relay(address target, bytes calldata data) external returns (bytes memory result) {
        bool ok;
        (ok, result) = target.call(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(result, 32), mload(result))
            }
        }
    }
}
