// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title Bytes32MetadataToken
/// @notice Test-only token whose symbol and name are bytes32, like MKR and SAI on mainnet.
contract Bytes32MetadataToken {
    bytes32 public constant symbol = "MKR";
    bytes32 public constant name = "Maker";
    uint8 public constant decimals = 18;
}

/// @title NoDecimalsToken
/// @notice Test-only token with a string symbol but no decimals() and no name() at all.
contract NoDecimalsToken {
    string public symbol = "NODEC";
}

/// @title RevertingMetadataToken
/// @notice Test-only token whose symbol() and name() revert and whose decimals() is absurd.
contract RevertingMetadataToken {
    error NoMetadata();

    function symbol() external pure returns (string memory) {
        revert NoMetadata();
    }

    function name() external pure returns (string memory) {
        revert NoMetadata();
    }

    function decimals() external pure returns (uint256) {
        return 1000;
    }
}
