/* Strict UTF-8 validation, shared by the encoder (what it may send) and the decoder (what it may accept). */
#include "svipc_json.h"

#include <string.h>

bool svipc_utf8_valid(const uint8_t* bytes, size_t length)
{
    size_t i = 0;
    while (i < length)
    {
        /* ASCII runs, eight bytes at a time: paths and ids are mostly ASCII. */
        while (length - i >= 8)
        {
            uint64_t chunk;
            memcpy(&chunk, bytes + i, sizeof(chunk));
            if ((chunk & UINT64_C(0x8080808080808080)) != 0)
            {
                break;
            }
            i += 8;
        }
        if (i == length)
        {
            break;
        }
        uint8_t lead = bytes[i];
        if (lead < 0x80)
        {
            i++;
            continue;
        }
        size_t extra;
        uint8_t low = 0x80, high = 0xBF; /* allowed range of the first continuation byte */
        if (lead >= 0xC2 && lead <= 0xDF)
        {
            extra = 1;
        }
        else if (lead >= 0xE0 && lead <= 0xEF)
        {
            extra = 2;
            if (lead == 0xE0)
            {
                low = 0xA0; /* no overlong three-byte forms */
            }
            else if (lead == 0xED)
            {
                high = 0x9F; /* no encoded surrogates */
            }
        }
        else if (lead >= 0xF0 && lead <= 0xF4)
        {
            extra = 3;
            if (lead == 0xF0)
            {
                low = 0x90; /* no overlong four-byte forms */
            }
            else if (lead == 0xF4)
            {
                high = 0x8F; /* nothing above U+10FFFF */
            }
        }
        else
        {
            return false; /* a continuation byte, C0/C1 overlongs, or F5..FF */
        }
        if (length - i <= extra || bytes[i + 1] < low || bytes[i + 1] > high)
        {
            return false;
        }
        for (size_t k = 2; k <= extra; k++)
        {
            if ((bytes[i + k] & 0xC0) != 0x80)
            {
                return false;
            }
        }
        i += extra + 1;
    }
    return true;
}
