import { keccak256, stringToHex, type Address, type Hex } from 'viem';
import type { LocalAccount } from 'viem/accounts';

/**
 * The `X-Flashbots-Signature` header as Flashbots documents it (docs.flashbots.net, "Authentication";
 * ethers-provider-flashbots-bundle does `authSigner.signMessage(id(body))`): the signer's address,
 * a colon, and the EIP-191 personal_sign signature of the hex text of keccak256(body). The text
 * that is signed is the 66-character "0x…" string itself, not its 32 bytes.
 */

export const FLASHBOTS_SIGNATURE_HEADER = 'X-Flashbots-Signature';

/** The message a relay request body is signed as: the hex keccak256 of its exact bytes. */
export const signedMessageOf = (body: string): Hex => keccak256(stringToHex(body));

/** `address:signature` for `body`, signed by the relay reputation key. */
export async function flashbotsSignature(authKey: LocalAccount, body: string): Promise<`${Address}:${Hex}`> {
  const signature = await authKey.signMessage({ message: signedMessageOf(body) });
  return `${authKey.address}:${signature}`;
}
