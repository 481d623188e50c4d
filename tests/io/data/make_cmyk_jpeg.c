// Generator of cmyk_16x12.jpg (not built): gcc make_cmyk_jpeg.c -ljpeg && ./a.out cmyk_16x12.jpg
// Writes a 16x12 CMYK JPEG in Photoshop's convention (Adobe APP14 marker, inverted ink values):
// left half red (C0 M100 Y100 K0), right half blue (C100 M100 Y0 K0), bottom quarter black (K100).
#include <stdio.h>
#include <jpeglib.h>
int main(int argc, char** argv) {
    FILE* f = fopen(argv[1], "wb");
    struct jpeg_compress_struct c; struct jpeg_error_mgr e;
    c.err = jpeg_std_error(&e); jpeg_create_compress(&c); jpeg_stdio_dest(&c, f);
    c.image_width = 16; c.image_height = 12; c.input_components = 4; c.in_color_space = JCS_CMYK;
    jpeg_set_defaults(&c); jpeg_set_quality(&c, 95, TRUE);
    jpeg_start_compress(&c, TRUE);
    unsigned char row[16 * 4];
    for (int y = 0; y < 12; ++y) {
        for (int x = 0; x < 16; ++x) {
            int C = 0, M = 0, Y = 0, K = 0;
            if (y >= 9) K = 255; else if (x < 8) { M = 255; Y = 255; } else { C = 255; M = 255; }
            unsigned char* p = row + x * 4;
            p[0] = 255 - C; p[1] = 255 - M; p[2] = 255 - Y; p[3] = 255 - K;
        }
        JSAMPROW r = row; jpeg_write_scanlines(&c, &r, 1);
    }
    jpeg_finish_compress(&c); jpeg_destroy_compress(&c); fclose(f);
    return 0;
}
