// Lambda's two architectures, and the native binaries that belong to each.

export const LAMBDA_ARCHITECTURES = ['x86_64', 'arm64'] as const;
export type LambdaArchitecture = (typeof LAMBDA_ARCHITECTURES)[number];

/** Node's name for a Lambda architecture (`process.arch` on such a function). */
export function nodeArch(arch: LambdaArchitecture): 'x64' | 'arm64' {
  return arch === 'x86_64' ? 'x64' : 'arm64';
}

const ELF_MACHINES: Record<number, string> = { 3: 'x86', 40: 'arm', 62: 'x86_64', 183: 'arm64' };

/**
 * The machine an ELF binary (a shared library or a Node addon) was built for, read from its header:
 * 'x86_64', 'arm64', another name, or undefined when the bytes are not a 64-bit little-endian ELF file.
 */
export function elfMachine(bytes: Uint8Array): string | undefined {
  const isElf = bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
  // EI_CLASS 2 (64-bit), EI_DATA 1 (little-endian); e_machine is the half-word at offset 18.
  if (bytes.length < 20 || !isElf || bytes[4] !== 2 || bytes[5] !== 1) return undefined;
  const machine = bytes[18] | (bytes[19] << 8);
  return ELF_MACHINES[machine] ?? `machine 0x${machine.toString(16)}`;
}
