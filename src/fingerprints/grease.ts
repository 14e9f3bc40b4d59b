// GREASE (RFC 8701): 0x0A0A, 0x1A1A, …, 0xFAFA — both bytes equal, low nibble 0xA.
export function isGrease(v: number): boolean {
  return (v & 0x0f0f) === 0x0a0a && v >> 8 === (v & 0xff)
}

export function withoutGrease(values: readonly number[]): number[] {
  return values.filter((v) => !isGrease(v))
}
