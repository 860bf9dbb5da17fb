-- _crc16_xmodem: CRC-16/XMODEM (poly 0x1021, init 0, no reflection) of a byte string, table-driven.
CREATE OR REPLACE FUNCTION flowfabric._crc16_xmodem(p_bytes bytea)
RETURNS int
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = flowfabric, pg_catalog, pg_temp
AS $$
DECLARE
  -- The 256 16-bit table entries, big-endian, as bytea: decoding hex is far cheaper per
  -- call than parsing an int[] literal, and this runs on every staging call.
  v_table CONSTANT bytea := decode(
    '0000102120423063408450a560c670e781089129a14ab16bc18cd1ade1cef1ef123102103273225252b5429472f762d693398318b37ba35ad3bdc39cf3ffe3de246234430420140164e674c744a45485a56ab54b85289509e5eef5cfc5acd58d365326721611063076d766f6569546b4b75ba77a97198738f7dfe7fed79dc7bc48c458e5688678a70840186128023823c9ccd9ede98ef9af89489969a90ab92b5af54ad47ab76a961a710a503a332a12dbfdcbdcfbbfeb9e9b798b58bb3bab1a6ca67c874ce45cc52c223c030c601c41edaefd8fcdecddcdad2abd0b8d689d497e976eb65ed54ef43e132e321e510e70ff9fefbedfddcffcbf1baf3a9f598f78918881a9b1caa1ebd10cc12df14ee16f108000a130c220e3500440257046606783b99398a3fbb3dac33dd31ce37ff35e02b1129022f332d24235521462777256b5eaa5cb95a88589f56ee54fd52cc50d34e224c314a004817466644754244405a7dbb7fa879997b8e75ff77ec71dd73c26d336f2069116b06657767646155634d94cc96df90ee92f99c889e9b98aa9ab584448657806682718c008e1388228a3cb7ddb5ceb3ffb1e8bf99bd8abbbbb9a4a755a546a377a160af11ad02ab33a92fd2eed0fdd6ccd4dbdaaad8b9de88dc97c266c075c644c453ca22c831ce00cc1ef1fff3ecf5ddf7caf9bbfba8fd99ff86e177e364e555e742e933eb20ed11ef0', 'hex');
  v_crc   int := 0;
  v_index int;
BEGIN
  FOR i IN 0 .. length(p_bytes) - 1 LOOP
    v_index := (((v_crc >> 8) # get_byte(p_bytes, i)) & 255) * 2;
    v_crc := ((v_crc << 8) & 65535) # ((get_byte(v_table, v_index) << 8) | get_byte(v_table, v_index + 1));
  END LOOP;
  RETURN v_crc;
END;
$$;

COMMENT ON FUNCTION flowfabric._crc16_xmodem(bytea) IS
  'Private. CRC-16/XMODEM of p_bytes (check value of ''123456789'' is 0x31C3). Used for flow and solo partitions.';
