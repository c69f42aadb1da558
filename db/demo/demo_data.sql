-- Demo catalogue and users for a fresh development database (scripts/run loads it
-- once, when the users table is empty). Ids are identity columns, so rows refer to
-- each other through data-modifying CTEs instead of hard-coded ids.
-- Load with: psql -X -v ON_ERROR_STOP=1 -f db/demo/demo_data.sql "$DATABASE_URL"

BEGIN;

-- Users, each with the wallet every user must have. Two start with a balance, which
-- the history must explain: one CHARGE as change #1 (seq 1, wallet version 1).
WITH demo_users (ord, name, balance) AS (
  VALUES (1, '김민준', 50000::bigint),
         (2, '이서연', 120000),
         (3, '박지훈', 0),
         (4, '최수아', 0)
), new_users AS (
  INSERT INTO users (name)
  SELECT name FROM demo_users ORDER BY ord
  RETURNING id, name
), new_wallets AS (
  INSERT INTO point_wallets (user_id, balance, version)
  SELECT u.id, d.balance, CASE WHEN d.balance > 0 THEN 1 ELSE 0 END
  FROM new_users u JOIN demo_users d USING (name)
  RETURNING user_id, balance
)
INSERT INTO point_history (user_id, seq, type, amount, balance_after)
SELECT user_id, 1, 'CHARGE', balance, balance
FROM new_wallets
WHERE balance > 0;

INSERT INTO products (name, description, price, stock)
SELECT name, description, price, stock
FROM (VALUES
  (1, '제주 노지 감귤 5kg', '제주 서귀포 농가 직송, 로얄과 크기', 23900, 120),
  (2, '국내산 햅쌀 10kg', '경기 이천 추청벼, 당해년도 도정', 32900, 200),
  (3, '한우 불고기 세트 1kg', '1++ 등급 한우 앞다리, 양념 소스 포함', 49900, 40),
  (4, '유기농 녹차 티백 50개입', '보성 유기농 녹차잎 100%', 12500, 300),
  (5, '스테인리스 진공 텀블러 500ml', '보온 12시간, 보냉 24시간', 18900, 150),
  (6, '무선 블루투스 이어폰', '노이즈 캔슬링, 최대 30시간 재생', 59000, 80),
  (7, '기계식 키보드 (갈축)', '한글 각인 PBT 키캡, USB-C', 89000, 25),
  (8, '접이식 캠핑 의자', '알루미늄 프레임, 하중 120kg', 39000, 60)
) AS p (ord, name, description, price, stock)
ORDER BY ord;

-- Both coupons are issuable right away and for the next month.
INSERT INTO coupons (name, discount_type, discount_value, total_quantity, remaining_quantity,
                     issue_starts_at, issue_ends_at, valid_days)
VALUES
  ('신규 회원 3,000원 할인', 'FIXED', 3000, 100, 100,
   now() - interval '1 day', now() + interval '30 days', 7),
  ('전 상품 10% 할인', 'RATE', 10, 50, 50,
   now() - interval '1 day', now() + interval '30 days', 7);

COMMIT;
