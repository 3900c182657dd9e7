package dev.ratchet.sector.codec;

import java.util.Random;

/**
 * A slow, obviously correct GF(2^8) Reed-Solomon encoder over plain symbols, and the bit-sliced layout
 * written out symbol by symbol, to check {@link CauchyCode} against.
 *
 * <p>The layout, as {@link CauchyCode} documents it: bit {@code b} of symbol {@code s} of a sector is bit
 * {@code s % 64} of {@code sector[b][s / 64]}, and in wire form bit {@code s % 8} of byte {@code 512b + s
 * / 8}. Nothing here uses the production field tables.
 */
final class ScalarReference {
    static final int SYMBOLS_PER_SECTOR = 4096;

    /** {@code PRODUCTS[a][b] = a · b}, by shift-and-add modulo 0x11D. */
    private static final int[][] PRODUCTS = new int[256][256];

    static {
        for (int a = 0; a < 256; a++) {
            for (int b = 0; b < 256; b++) {
                int product = 0;
                int shifted = a;
                for (int bit = 0; bit < 8; bit++) {
                    if ((b >>> bit & 1) != 0) {
                        product ^= shifted;
                    }
                    shifted <<= 1;
                    if ((shifted & 0x100) != 0) {
                        shifted ^= 0x11D;
                    }
                }
                PRODUCTS[a][b] = product;
            }
        }
    }

    private ScalarReference() {}

    static int multiply(int a, int b) {
        return PRODUCTS[a][b];
    }

    /** Returns the 4096 symbols of a bit-sliced sector. */
    static int[] symbolsOf(long[][] sector) {
        int[] symbols = new int[SYMBOLS_PER_SECTOR];
        for (int s = 0; s < SYMBOLS_PER_SECTOR; s++) {
            for (int b = 0; b < 8; b++) {
                symbols[s] |= (int) (sector[b][s / 64] >>> (s % 64) & 1) << b;
            }
        }
        return symbols;
    }

    /** Returns the bit-sliced sector holding 4096 symbols. */
    static long[][] sectorOf(int[] symbols) {
        long[][] sector = new long[8][64];
        for (int s = 0; s < SYMBOLS_PER_SECTOR; s++) {
            for (int b = 0; b < 8; b++) {
                sector[b][s / 64] |= (long) (symbols[s] >>> b & 1) << (s % 64);
            }
        }
        return sector;
    }

    /** Returns the 4096-byte wire form of 4096 symbols. */
    static byte[] wireBytesOf(int[] symbols) {
        byte[] bytes = new byte[SYMBOLS_PER_SECTOR];
        for (int s = 0; s < SYMBOLS_PER_SECTOR; s++) {
            for (int b = 0; b < 8; b++) {
                bytes[512 * b + s / 8] |= (byte) ((symbols[s] >>> b & 1) << (s % 8));
            }
        }
        return bytes;
    }

    /** Returns parity symbols {@code parity[j][s] = Σ_i matrix[j][i] · data[i][s]}. */
    static int[][] encode(int[][] matrix, int[][] dataSymbols) {
        int[][] parity = new int[matrix.length][SYMBOLS_PER_SECTOR];
        for (int j = 0; j < matrix.length; j++) {
            for (int i = 0; i < dataSymbols.length; i++) {
                int[] products = PRODUCTS[matrix[j][i]];
                for (int s = 0; s < SYMBOLS_PER_SECTOR; s++) {
                    parity[j][s] ^= products[dataSymbols[i][s]];
                }
            }
        }
        return parity;
    }

    /** Returns the parity matrix of a code, indexed {@code [parity][data]}. */
    static int[][] matrixOf(CauchyCode code) {
        int[][] matrix = new int[code.paritySectorCount()][code.dataSectorCount()];
        for (int j = 0; j < matrix.length; j++) {
            for (int i = 0; i < matrix[j].length; i++) {
                matrix[j][i] = code.coefficient(j, i);
            }
        }
        return matrix;
    }

    /** Returns {@code count} sectors of random bits. */
    static long[][][] randomSectors(Random random, int count) {
        long[][][] sectors = new long[count][8][64];
        for (long[][] sector : sectors) {
            fill(random, sector);
        }
        return sectors;
    }

    static void fill(Random random, long[][] sector) {
        for (long[] plane : sector) {
            for (int w = 0; w < plane.length; w++) {
                plane[w] = random.nextLong();
            }
        }
    }

    static long[][][] deepCopy(long[][][] sectors) {
        long[][][] copy = new long[sectors.length][][];
        for (int s = 0; s < sectors.length; s++) {
            copy[s] = new long[sectors[s].length][];
            for (int b = 0; b < sectors[s].length; b++) {
                copy[s][b] = sectors[s][b].clone();
            }
        }
        return copy;
    }
}
