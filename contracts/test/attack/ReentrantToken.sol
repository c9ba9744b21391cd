// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {MintableAttackToken} from "./MintableAttackToken.sol";

/// @title ReentrantToken
/// @notice Test-only token with a transfer hook (like ERC-777/ERC-1363 tokens): once armed, a
/// transfer sent by `trigger` first calls `hookTarget` with `hookData`. The hook's answer is
/// recorded (`hookCalls`, `lastHookOk`, `lastHookResult`) and the transfer goes on either way,
/// because pools wrap token calls and would hide the answer: the test reads it here instead.
contract ReentrantToken is MintableAttackToken {
    address public trigger;
    address public hookTarget;
    bytes public hookData;
    uint256 public hookCalls;
    bool public lastHookOk;
    bytes public lastHookResult;
    bool private inHook;

    constructor() MintableAttackToken("Reentrant", "REE") {}

    /// @notice Arms the hook: transfers from `trigger_` call `target` with `data`.
    function arm(address trigger_, address target, bytes calldata data) external onlyMinter {
        trigger = trigger_;
        hookTarget = target;
        hookData = data;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from == trigger && from != address(0) && !inHook) {
            inHook = true;
            (bool ok, bytes memory result) = hookTarget.call(hookData);
            hookCalls += 1;
            lastHookOk = ok;
            lastHookResult = result;
            inHook = false;
        }
        super._update(from, to, value);
    }
}
