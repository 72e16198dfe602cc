/* honeygate's own rules: cryptocurrency miners run in the visitor's browser. */

rule Miner_Browser_Library
{
    meta:
        category = "miner"
        score = 80
        description = "a browser mining library (Coinhive and its successors) started in the page"
    strings:
        $a1 = /CoinHive\.(Anonymous|User|Token)\s*\(/
        $a2 = /CRLT\.Anonymous\s*\(/
        $a3 = /Client\.Anonymous\s*\(\s*['"][0-9a-f]{32,}/
        $a4 = "deepMiner.Anonymous" ascii
        $a5 = /CoinImp\.Anonymous|Client\.Anonymous\(['"][0-9a-f]{64}/
        $a6 = /(coinhive|coin-hive|authedmine|crypto-loot|cryptoloot|webmine|coinimp|minero|jsecoin|monerominer|deepminer|webminepool|coinhave|mineralt)\.(min\.)?js/ nocase
        $a7 = /(coinhive\.com|coin-hive\.com|authedmine\.com|crypto-loot\.com|cryptoloot\.pro|webmine\.cz|coinimp\.com|jsecoin\.com|minero\.cc|ppoi\.org)/ nocase
    condition:
        any of them
}

rule Miner_Cryptonight_Worker
{
    meta:
        category = "miner"
        score = 80
        description = "a CryptoNight hashing worker or a stratum job loop (self-hosted miner)"
    strings:
        $c1 = "cryptonight" ascii nocase
        $c2 = "cn_hash" ascii
        $c3 = /cryptonight_(hash|create)/
        $s1 = /["'](method|type)["']\s*:\s*["'](login|submit|job)["']/
        $s2 = "stratum+tcp://" ascii
        $s3 = /["']?(site_key|sitekey)["']?\s*:/
        $w1 = "new Worker(" ascii
        $w2 = "WebAssembly" ascii
        $h1 = "throttle" ascii
        $h2 = "hashesPerSecond" ascii nocase
        $h3 = /get(Total|Accepted)Hashes/
    condition:
        (any of ($c*) and (any of ($s*) or any of ($w*))) or (any of ($s*) and any of ($h*)) or (2 of ($h*) and any of ($w*))
}
