package io.github.datastore4j.api.spi;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LocationsTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "h2:jdbc:h2:tcp://localhost/~/db;USER=sa;PASSWORD=s3cr3t;MODE=PostgreSQL|"
                        + "h2:jdbc:h2:tcp://localhost/~/db;USER=sa;PASSWORD=***;MODE=PostgreSQL",
                "postgres://ann:s3cr3t@db.example.com:5432/app?schema=x|postgres://ann:***@db.example.com:5432/app?schema=x",
                "postgres://db/app?user=ann&password=s3cr3t&ssl=true|postgres://db/app?user=ann&password=***&ssl=true",
                "redis://:s3cr3t@cache:6379|redis://:***@cache:6379",
                "x:?token = s3cr3t&apiKey=s3cr3t&pwd=s3cr3t|x:?token = ***&apiKey=***&pwd=***",
                "h2:./db/app;CIPHER=AES;FILE_PASSWORD=s3cr3t|h2:./db/app;CIPHER=AES;FILE_PASSWORD=***",
                "json:./data?durability=sync|json:./data?durability=sync",
                // H2's encrypted database: PASSWORD=<file password> <user password>, both secret
                "h2:jdbc:h2:./db;CIPHER=AES;PASSWORD=f1le s3cr3t;MODE=Oracle|h2:jdbc:h2:./db;CIPHER=AES;PASSWORD=***;MODE=Oracle",
                "postgres://ann@db/app|postgres://ann@db/app",
            })
    void credentialsAreRedacted(String uri, String shown) {
        assertThat(Locations.redact(uri)).isEqualTo(shown).doesNotContain("s3cr3t");
    }
}
