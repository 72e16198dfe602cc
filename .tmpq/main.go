package main

import (
	"database/sql"
	"fmt"
	"os"
	"time"

	_ "modernc.org/sqlite"
)

func main() {
	db, err := sql.Open("sqlite", "file:"+os.Args[1]+"?mode=ro&_pragma=query_only(1)")
	if err != nil {
		panic(err)
	}
	for _, q := range os.Args[2:] {
		rows, err := db.Query("EXPLAIN QUERY PLAN " + q)
		if err != nil {
			fmt.Println(err)
			continue
		}
		for rows.Next() {
			var a, b, c int
			var d string
			rows.Scan(&a, &b, &c, &d)
			fmt.Println("  plan:", d)
		}
		rows.Close()
		for range 3 {
			t0 := time.Now()
			rows, err := db.Query(q)
			if err != nil {
				fmt.Println(err)
				break
			}
			n := 0
			for rows.Next() {
				n++
			}
			rows.Close()
			fmt.Printf("  %d rows in %s\n", n, time.Since(t0).Round(time.Millisecond))
		}
	}
}
